package io.seglog;

import java.util.Iterator;

/**
 * Reads the records of {@code [from, to)} in index order (or, from {@link Log#reverseReader},
 * newest first), crossing segment boundaries. Not thread-safe: one reader per thread; any number of
 * readers may run beside the writer. A reader does not search the segment list per record: it walks
 * frames sequentially.
 *
 * <p>{@link #next()} throws {@link CorruptLogException} if a frame fails its checksum: a reader
 * never returns corrupted bytes. It throws {@link RecordsGoneException} if truncation or retention
 * removed the next record after the reader was created: a reader never returns a removed record.
 */
public interface LogReader extends Iterator<Record>, AutoCloseable {
  /** The index the next call to {@link #next()} returns. */
  long position();

  /**
   * Like {@link #next()}, but returns the record in place, without copying or allocating: the view
   * is valid until the next call on this reader (see {@link RecordView}).
   *
   * @throws java.util.NoSuchElementException if the reader reached its end
   * @throws RecordsGoneException if truncation or retention removed the record
   * @throws CorruptLogException if the record's frame is damaged
   */
  RecordView nextView();

  /** Releases the reader. Further calls to {@link #next()} throw {@link LogClosedException}. */
  @Override
  void close();
}
