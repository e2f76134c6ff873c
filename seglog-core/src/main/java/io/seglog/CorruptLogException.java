package io.seglog;

import java.nio.file.Path;

/**
 * Damage was found in a log file: a checksum mismatch, a broken header, a gap between segments, a
 * segment of another log. The message names the file and the byte offset; both are also available
 * as properties.
 */
public class CorruptLogException extends SeglogException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;

  public CorruptLogException(Path file, long offset, String what) {
    super(what + " in " + file + " at byte offset " + offset);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged file. */
  public Path file() {
    return file;
  }

  /**
   * The byte offset of the damage within {@link #file()}, or -1 when it concerns the whole file.
   */
  public long offset() {
    return offset;
  }
}
