package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.testing.WithoutCodecsMain;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The codec libraries are optional dependencies: a child JVM whose class path lacks them runs a
 * plain log, and gets the documented error naming the missing library when it meets compression.
 */
class OptionalCodecsTest {
  @TempDir Path tmp;

  /** This JVM's class path without zstd-jni and lz4-java. */
  static String classPathWithoutCodecs() {
    String cp = System.getProperty("java.class.path");
    String stripped =
        Arrays.stream(cp.split(File.pathSeparator))
            .filter(e -> !e.contains("zstd-jni") && !e.contains("lz4-java"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(stripped).as("the test's class path had the codecs").isNotEqualTo(cp);
    return stripped;
  }

  static String runChild(String action, Path dir) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    classPathWithoutCodecs(),
                    WithoutCodecsMain.class.getName(),
                    action,
                    dir.toString()))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    // Waiting for the child to exit is the synchronization; the bound only stops a hung build.
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM did not exit");
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }

  @Test
  void aPlainLogNeedsNoCodecLibrary() throws Exception {
    assertThat(runChild("plain", tmp.resolve("plain")))
        .isEqualTo("OK 2 3 zstd-present=false lz4-present=false");
  }

  @Test
  void openingWithACodecWhoseLibraryIsMissingNamesIt() throws Exception {
    assertThat(runChild("open-zstd", tmp.resolve("z")))
        .startsWith("CODEC zstd codec needs com.github.luben:zstd-jni on the class path");
    assertThat(tmp.resolve("z")).doesNotExist();
  }

  @Test
  void readingAFrameWhoseCodecIsMissingNamesTheLibrary() throws Exception {
    Path dir = tmp.resolve("lz4");
    try (Log log =
        Log.open(
            dir, LogConfig.builder().compression(Compression.LZ4).compressionMinBytes(0).build())) {
      log.append(new byte[4000]);
    }
    assertThat(runChild("read", dir))
        .startsWith("CODEC lz4 codec needs at.yawk.lz4:lz4-java on the class path");
  }
}
