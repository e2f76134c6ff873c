package io.seglog;

/**
 * A frame needs a compression codec whose library is not on the class path (or does not load): the
 * message names the Maven coordinates to add, e.g. "zstd codec needs com.github.luben:zstd-jni on
 * the class path". Thrown when a log configured with that codec opens, and when a frame of that
 * codec is read. The data is intact.
 */
public class CodecUnavailableException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public CodecUnavailableException(String codec, String dependency, Throwable cause) {
    super(
        codec
            + " codec needs "
            + dependency
            + " on the class path (it did not load: "
            + cause
            + ")",
        cause);
  }
}
