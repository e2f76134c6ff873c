package io.seglog.internal.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The SHA-256 of an active segment's content, {@code [0, trailer offset)}: the trailer's digest and
 * the next segment's prev digest (FORMAT.md section 3.4). Told of each write as it reaches the
 * file, so that sealing need not read the whole segment back under the append lock.
 *
 * <p>Two ways to compute it, with the same result: {@link IncrementalDigest} hashes the bytes on
 * the writer thread as they are written; {@link BackgroundDigest} has the log's {@link
 * BackgroundDigester} hash them from the file. Either falls back to reading the segment back at
 * {@link #finish} when in any doubt.
 *
 * <p>Threading: {@link #appended}, {@link #finish} and {@link #abandon} are called by the log's
 * writer thread (holding its append lock), or by whoever closes the segment once no writer uses it.
 */
interface SegmentDigest extends TailBuffer.WriteListener {

  /**
   * The frame bytes {@code bytes} (position to limit, not consumed) were just written to the file
   * at {@code position}. Never fails: a digest that cannot follow reads back at {@link #finish}.
   */
  void appended(ByteBuffer bytes, long position);

  @Override
  default void written(ByteBuffer bytes, long position) {
    appended(bytes, position);
  }

  /**
   * The SHA-256 of bytes {@code [0, length)}, all of which are in the file, reading back whatever
   * is not covered yet. Called once; the digest takes no appends after it.
   */
  byte[] finish(long length) throws IOException;

  /**
   * The segment object is being replaced or closed (a cut in place, a close): the digest will never
   * be finished, and no background work may read its file any more. Idempotent.
   */
  void abandon();

  /**
   * Feeds {@code sha} the bytes {@code [from, to)} read from {@code source}, at most 1 MiB at a
   * time; returns {@code to} (or {@code from} if that is beyond it).
   */
  static long hashRange(MessageDigest sha, IncrementalDigest.Source source, long from, long to)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(to - from, 0), 1 << 20));
    while (from < to) {
      buf.clear().limit((int) Math.min(buf.capacity(), to - from));
      source.readFully(buf, from);
      buf.flip();
      from += buf.remaining();
      sha.update(buf);
    }
    return from;
  }
}
