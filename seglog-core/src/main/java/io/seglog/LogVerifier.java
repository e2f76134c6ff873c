package io.seglog;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.Verifier;
import java.nio.file.Path;
import java.util.Objects;

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
   * @throws NoSuchLogException if the directory does not exist or holds no log (no metadata file
   *     and no segment)
   * @throws SeglogIOException if the directory cannot be read
   */
  public static VerifyReport verify(Path directory) {
    return new Verifier(NioFileIO.INSTANCE, directory, null).verify();
  }

  /**
   * Verifies the log and also that {@code expectedDigest}, a {@link VerifyReport#chainAnchor()}
   * recorded earlier, is the digest of one of its intact sealed segments: then no segment up to
   * that one was deleted, reordered, replaced or edited since. A mismatch is a finding of kind
   * {@code anchor}.
   *
   * @throws NoSuchLogException if the directory does not exist or holds no log
   */
  public static VerifyReport verify(Path directory, String expectedDigest) {
    return new Verifier(NioFileIO.INSTANCE, directory, expectedDigest).verify();
  }

  /**
   * Verifies the log as {@link #verify(Path, String)} does, telling {@code progress} after each
   * segment file how many bytes of segment files are done, out of how many (see {@link
   * ProgressListener}).
   *
   * @param expectedDigest a chain anchor to check, or null for none
   * @param progress told on the calling thread; an exception it throws aborts the verification
   * @throws NoSuchLogException if the directory does not exist or holds no log
   */
  public static VerifyReport verify(
      Path directory, String expectedDigest, ProgressListener progress) {
    Objects.requireNonNull(progress, "progress");
    return new Verifier(NioFileIO.INSTANCE, directory, expectedDigest, progress).verify();
  }

  /**
   * Verifies the log in {@code directory} of {@code storage} (an in-memory one, say). See {@link
   * #verify(Path)}.
   */
  public static VerifyReport verify(Path directory, Storage storage) {
    return new Verifier(
            storage.fileIO(LogConfig.defaults()), directory, null, ProgressListener.NONE)
        .verify();
  }
}
