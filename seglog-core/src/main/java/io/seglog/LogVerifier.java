package io.seglog;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.Verifier;
import java.nio.file.Path;

/**
 * Checks a log without modifying it: headers, every frame's CRC32C, index contiguity across
 * segments, trailers and their digests (the hash chain), index files against their segments, and
 * the metadata. Takes no lock, so it works on a log another process holds open (it then sees a
 * snapshot, and may report the writer's in-progress tail as a torn tail). Thread-safe (stateless).
 */
public final class LogVerifier {
  private LogVerifier() {}

  /**
   * Verifies the log in {@code directory}.
   *
   * @throws SeglogException if the directory does not exist or holds no log (no metadata file and
   *     no segment)
   * @throws SeglogIOException if the directory cannot be read
   */
  public static VerifyReport verify(Path directory) {
    return new Verifier(NioFileIO.INSTANCE, directory).verify();
  }
}
