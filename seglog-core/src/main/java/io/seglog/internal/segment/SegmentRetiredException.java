package io.seglog.internal.segment;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A read or reopen of a segment that was retired ({@link Segment#close()}: closed for deletion by
 * truncation, retention or the log's close). The segment never reopens; the log maps this to the
 * error its state calls for (records gone, log closed, or a retry on the segment now holding the
 * index).
 */
public final class SegmentRetiredException extends IOException {
  private static final long serialVersionUID = 1L;

  public SegmentRetiredException(Path path) {
    super("segment " + path.getFileName() + " was retired (closed for deletion); it never reopens");
  }
}
