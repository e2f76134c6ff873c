package io.seglog.internal.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SHA-256 of an active segment's content, hashed off the writer thread: the writer only
 * publishes how far the file holds the segment's bytes, and the log's {@link BackgroundDigester}
 * reads them back from the file (the page cache) in chunks and hashes them. At seal the writer
 * takes over where the digester stopped and hashes the rest itself.
 *
 * <p>Design note. Three parties: the writer ({@link #appended}, {@link #finish}, {@link #abandon}),
 * the digester thread ({@link #digestPending}) and the file.
 *
 * <ul>
 *   <li>{@code writtenEnd} (volatile, written by the writer only): the file holds the segment's
 *       final bytes {@code [0, writtenEnd)}. The writer moves it only after a write returned, to
 *       that write's end: the writer writes a segment in order and only at its end, so everything
 *       below a write is in the file too (the header, a reopened segment's frames, a streamed
 *       record, which is written without telling the digest). The digester reads only below it, so
 *       never a byte not yet written.
 *   <li>Bytes below {@code writtenEnd} never change while this digest is live: the single writer
 *       only appends at the end, and a write below {@code writtenEnd} (an overlap, which the writer
 *       never does) stops the digest for good. A cut in place does rewrite them, but it replaces
 *       the {@link Segment} object (whose new digest starts from the file as cut) and abandons this
 *       one first ({@link Segment#abandonDigest}, {@link Segment#close}); this digest is then never
 *       finished.
 *   <li>{@code hashLock} guards the hash state ({@code sha}, {@code digested}, {@code failed}). The
 *       digester reads a chunk outside the lock (a read may block), then takes the lock only to
 *       hash it, and only if nothing changed meanwhile: not stopped, and {@code digested} still
 *       where it read from. So {@link #finish} waits for at most one chunk's hashing, never for
 *       I/O.
 *   <li>Any doubt (a read failure, a closed or pooled handle, a write out of order, a chunk that
 *       turned out shorter) marks it {@code failed}: {@link #finish} then reads the segment back
 *       from offset 0 in the caller, as {@link IncrementalDigest} does when it is behind. A failed
 *       background read is never reported: the read-back reports its own failure, if any.
 * </ul>
 *
 * <p>Wake-ups: the writer signals the digester only when at least {@link
 * BackgroundDigester#WAKE_BYTES} more are written since its last signal (not per append). The
 * digester hashes until it has caught up with {@code writtenEnd}, then clears {@code queued} and
 * looks at {@code writtenEnd} again (both volatile: a signal that found the digest still queued is
 * seen by that second look), so at most about two wake-ups' worth of bytes wait for the seal.
 *
 * <p>Threading: {@link #appended}, {@link #finish} and {@link #abandon} on the log's writer thread
 * (or the thread closing the segment); {@link #digestPending} on the digester thread only.
 */
final class BackgroundDigest implements SegmentDigest {
  private final BackgroundDigester digester;
  private final IncrementalDigest.Source file; // reads the file only, any thread; may refuse
  private final IncrementalDigest.Source readBack; // the writer's read-back at finish
  final AtomicBoolean queued = new AtomicBoolean(); // in the digester's queue

  private volatile long writtenEnd; // the file holds the segment's final bytes [0, writtenEnd)
  private volatile boolean stopped; // finishing, finished, failed or abandoned: no more chunks
  private long signalledEnd; // writer only: writtenEnd at the last signal

  private final Object hashLock = new Object();
  private MessageDigest sha; // @GuardedBy("hashLock") covers [0, digested); null until a chunk
  private long digested; // @GuardedBy("hashLock")
  private boolean failed; // @GuardedBy("hashLock") finish must read everything back

  /**
   * @param file reads the segment's file through its installed handle (never the write buffer),
   *     from any thread; throws if the segment no longer has it (pooled, closed)
   * @param readBack reads published bytes for the writer at {@link #finish}
   */
  BackgroundDigest(
      BackgroundDigester digester,
      IncrementalDigest.Source file,
      IncrementalDigest.Source readBack) {
    this.digester = digester;
    this.file = file;
    this.readBack = readBack;
  }

  @Override
  public void appended(ByteBuffer bytes, long position) {
    if (stopped) {
      return;
    }
    // Everything below position is in the file (see the class note); an overlap is a doubt.
    if (position < writtenEnd) {
      fail(); // the single writer never does this: read back at finish
      return;
    }
    long end = position + bytes.remaining();
    writtenEnd = end; // publish: the bytes are in the file
    if (end - signalledEnd >= BackgroundDigester.WAKE_BYTES) {
      signalledEnd = end;
      digester.schedule(this);
    }
  }

  @Override
  public byte[] finish(long length) throws IOException {
    stopped = true; // the digester starts no new chunk, and drops the one it may be reading
    MessageDigest s;
    long from;
    synchronized (hashLock) { // waits for at most one chunk's hashing
      if (failed || sha == null || digested > length) {
        s = Segment.sha256();
        from = 0;
      } else {
        s = sha;
        from = digested;
      }
      sha = null;
      failed = true; // finished: nothing more is hashed here
    }
    SegmentDigest.hashRange(s, readBack, from, length);
    return s.digest();
  }

  @Override
  public void abandon() {
    fail();
  }

  private void fail() {
    stopped = true;
    synchronized (hashLock) {
      failed = true;
      sha = null;
    }
  }

  /** Whether at least a wake-up's worth of written bytes waits (digester thread). */
  boolean hasPending() {
    if (stopped) {
      return false;
    }
    long from;
    synchronized (hashLock) {
      from = digested;
    }
    return writtenEnd - from >= BackgroundDigester.WAKE_BYTES;
  }

  /**
   * Hashes what the file holds past {@code digested}, a chunk at a time, until caught up with
   * {@code writtenEnd}, stopped, or the digester stops. Never throws: a failure marks the digest
   * failed. Digester thread only; {@code buf} is its chunk buffer.
   */
  void digestPending(ByteBuffer buf) {
    while (!stopped && !digester.isStopping()) {
      long from;
      synchronized (hashLock) {
        from = digested;
      }
      long end = writtenEnd; // read after digested: bytes below it are in the file
      if (end <= from) {
        return;
      }
      int n = (int) Math.min(buf.capacity(), end - from);
      buf.clear().limit(n);
      try {
        file.readFully(buf, from);
      } catch (IOException | RuntimeException e) {
        if (!stopped) {
          fail(); // finish reads back, and reports a failure if the file really is unreadable
        }
        return;
      }
      buf.flip();
      synchronized (hashLock) {
        if (stopped || failed || digested != from || buf.remaining() != n) {
          return; // finish took over, or the digest was abandoned: the chunk is dropped
        }
        if (sha == null) {
          sha = Segment.sha256();
        }
        sha.update(buf);
        digested = from + n;
      }
    }
  }
}
