package io.seglog.internal.segment;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * One log's background hasher: a daemon thread, {@code seglog-digest-<log>}, that computes the
 * SHA-256 of the active segment ({@link BackgroundDigest}) from what the writer already wrote to
 * the file, so the appending thread does not spend its time in SHA-256 (about a quarter of it for
 * small records without fsync). It reads the file back by pread, {@link #CHUNK} bytes at a time,
 * from the page cache.
 *
 * <p>Design note. The thread starts on the first {@link #schedule} (a log that never writes a
 * megabyte never starts it) and stops at {@link #close}, which the log calls when it closes (fenced
 * or not). Its duty cycle: take a digest from the queue, hash what is pending, look again, park
 * when the queue is empty. The writer never waits for it except at a seal, for at most one chunk's
 * hashing (see {@link BackgroundDigest}). Close waits for it within {@link #STOP_MILLIS}: it may be
 * blocked in a read (a hung disk), and then the log's close goes on without it; the read holds a
 * reference to the file (see {@link Segment.SharedHandle}), so the file is closed when it returns,
 * and what it read is dropped (the segment's digest was abandoned by its close). The thread is
 * never interrupted: an interrupt inside {@code FileChannel.read} closes the channel, which is the
 * writer's too.
 *
 * <p>When the log has none ({@link #forLog} returns null) segments keep {@link IncrementalDigest}
 * on the writer thread: with one CPU the digester would only compete with the writer for it and add
 * a copy out of the page cache; with segments below {@link #MIN_SEGMENT_BYTES} it would wake a few
 * times per segment at most, and the seal would read back and hash most of the segment on the
 * writer anyway.
 *
 * <p>Thread-safe.
 */
public final class BackgroundDigester implements AutoCloseable {
  /** Bytes read and hashed per step: the most the writer waits for at a seal. */
  static final int CHUNK = 1 << 20;

  /** The writer signals the digester once at least this much more is written. */
  static final long WAKE_BYTES = CHUNK;

  /** Smaller segments keep the digest on the writer thread (see the class note). */
  public static final long MIN_SEGMENT_BYTES = 4L * CHUNK;

  /** How long {@link #close} waits for the thread to stop. */
  static final long STOP_MILLIS = 2_000;

  private final String threadName;
  private final Queue<BackgroundDigest> queue = new ConcurrentLinkedQueue<>();
  private final Object startLock = new Object();
  private Thread thread; // @GuardedBy("startLock") null until the first schedule
  private volatile boolean stopping; // set under startLock

  private final ThreadFactory threads;

  BackgroundDigester(String threadName) {
    // No inherited thread-locals or class loader from whichever appender starts it.
    this(
        threadName,
        r -> {
          Thread t = new Thread(null, r, threadName, 0, false);
          t.setContextClassLoader(null);
          return t;
        });
  }

  /** With the thread made by {@code threads} (tests: a thread that cannot start). */
  BackgroundDigester(String threadName, ThreadFactory threads) {
    this.threadName = threadName;
    this.threads = threads;
  }

  /**
   * The digester for a writable log named {@code logName} whose segments are {@code segmentBytes}
   * long, or null if its segments should be hashed on the writer thread (see the class note).
   */
  public static BackgroundDigester forLog(String logName, long segmentBytes) {
    if (Runtime.getRuntime().availableProcessors() < 2 || segmentBytes < MIN_SEGMENT_BYTES) {
      return null;
    }
    return new BackgroundDigester("seglog-digest-" + logName);
  }

  /**
   * Queues {@code digest} to hash what is written, unless it is queued already (then the digester
   * sees the new bytes when it looks again) or the digester is stopping (then the seal hashes
   * them). Starts the thread on first use. Writer thread.
   */
  void schedule(BackgroundDigest digest) {
    if (stopping || !digest.queued.compareAndSet(false, true)) {
      return;
    }
    queue.offer(digest);
    Thread t;
    synchronized (startLock) {
      if (stopping) {
        return; // the queue is never polled again: the seal hashes the rest
      }
      t = thread;
      if (t == null) {
        try {
          t = threads.newThread(this::run);
          t.setDaemon(true);
          t.start();
        } catch (Throwable e) { // e.g. "unable to create native thread" under a thread limit
          // Never out of an append (appended() does not fail): the digester stops for good, its
          // queue is never polled, and each seal hashes what is left on the writer thread.
          stopping = true;
          queue.clear();
          return;
        }
        thread = t;
        return;
      }
    }
    LockSupport.unpark(t);
  }

  boolean isStopping() {
    return stopping;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    while (!stopping) {
      BackgroundDigest d = queue.poll();
      if (d == null) {
        LockSupport.park(this); // schedule and close unpark it; a permit given early is kept
        continue;
      }
      d.digestPending(buf);
      d.queued.set(false);
      if (d.hasPending()) {
        schedule(d); // written while it was queued, after it last looked
      }
    }
  }

  /**
   * Stops the thread and waits for it, at most {@link #STOP_MILLIS}: a digest it is hashing is
   * dropped (its seal, if any, reads back). Later schedules are ignored. Idempotent; never throws.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (startLock) {
      stopping = true;
      t = thread;
    }
    queue.clear();
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    LockSupport.unpark(t);
    try {
      t.join(STOP_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the log's close goes on: its files must be released
    }
  }

  /** Whether the thread has been started and has not ended (for tests and diagnostics). */
  boolean isRunning() {
    Thread t;
    synchronized (startLock) {
      t = thread;
    }
    return t != null && t.isAlive();
  }
}
