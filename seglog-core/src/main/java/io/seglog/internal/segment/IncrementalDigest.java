package io.seglog.internal.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The SHA-256 of a segment's content (the trailer's digest, FORMAT.md), computed on the writer
 * thread as frames are appended, so that sealing needs no read-back of the segment under the append
 * lock. The log uses it where it has no {@link BackgroundDigester} (see there for when).
 *
 * <p>It covers bytes {@code [0, digested)}, fed as frames reach the file. The first write catches
 * up by reading what is before it (the segment header, or the frames a reopened segment already
 * holds) if that is at most {@link #CATCH_UP_LIMIT} bytes; a segment reopened with more stays
 * behind, and {@link #finish} reads the rest back once, as sealing did before. Any append not at
 * the covered end (which the single writer never does) also makes it fall back to the read-back.
 *
 * <p>Not thread-safe: the log's writer thread owns it.
 */
final class IncrementalDigest implements SegmentDigest {
  static final long CATCH_UP_LIMIT = 1 << 20;

  /** Reads exactly {@code dst.remaining()} bytes of the segment at {@code position}. */
  @FunctionalInterface
  interface Source {
    void readFully(ByteBuffer dst, long position) throws IOException;
  }

  private final Source source;
  private MessageDigest sha; // covers [0, digested); null until the first append or once behind
  private long digested;
  private boolean behind;

  IncrementalDigest(Source source) {
    this.source = source;
  }

  /**
   * Adds the bytes of a frame just appended at {@code position}. Never fails: if catching up cannot
   * read, the digest falls behind and {@link #finish} reads back (and reports a failure then).
   */
  @Override
  public void appended(ByteBuffer bytes, long position) {
    if (behind) {
      return;
    }
    if (sha == null) {
      if (position > CATCH_UP_LIMIT) {
        behind = true;
        return;
      }
      sha = Segment.sha256();
      digested = 0;
      try {
        readInto(position);
      } catch (IOException e) {
        behind = true;
        sha = null;
        return;
      }
    }
    if (digested != position) {
      behind = true;
      sha = null;
      return;
    }
    digested += bytes.remaining();
    sha.update(bytes);
  }

  /** The SHA-256 of bytes {@code [0, length)}, reading back whatever is not covered yet. */
  @Override
  public byte[] finish(long length) throws IOException {
    if (sha == null || behind || digested > length) {
      sha = Segment.sha256();
      digested = 0;
    }
    readInto(length);
    byte[] result = sha.digest();
    sha = null;
    behind = true; // sealed: no more appends
    return result;
  }

  @Override
  public void abandon() {
    // Nothing runs in the background, and the segment is never sealed: nothing to stop. (Segment
    // close may call this from a thread other than the writer's, so it touches no state.)
  }

  private void readInto(long end) throws IOException {
    digested = SegmentDigest.hashRange(sha, source, digested, end);
  }
}
