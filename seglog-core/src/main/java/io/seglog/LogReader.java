package io.seglog;

import java.util.Iterator;

/**
 * Reads the records of {@code [from, to)} in index order, crossing segment boundaries. Not
 * thread-safe: one reader per thread; any number of readers may run beside the writer. A reader
 * does not search the segment list per record: it walks frames sequentially.
 *
 * <p>{@link #next()} throws {@link CorruptLogException} if a frame fails its checksum: a reader
 * never returns corrupted bytes.
 */
public interface LogReader extends Iterator<Record>, AutoCloseable {
  /** The index the next call to {@link #next()} returns. */
  long position();

  /** Releases the reader. Further calls to {@link #next()} throw {@link LogClosedException}. */
  @Override
  void close();
}
