package io.seglog.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories in {@code /dev/shm} (a tmpfs) when there is one, for the in-process fault
 * tests: they model durability themselves, so real fsyncs only cost time there. Elsewhere, the
 * default temporary directory.
 */
public final class MemoryTempDirFactory implements TempDirFactory {
  private static final Path SHM = Path.of("/dev/shm");

  @Override
  public Path createTempDirectory(
      AnnotatedElementContext elementContext, ExtensionContext extensionContext) throws Exception {
    if (Files.isDirectory(SHM) && Files.isWritable(SHM)) {
      return Files.createTempDirectory(SHM, "seglog-reliability");
    }
    return Files.createTempDirectory("seglog-reliability");
  }
}
