package io.seglog.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr for work that runs longer than {@link #DEFAULT_DELAY_NANOS}:
 * nothing is drawn before that, so quick runs stay quiet. Redrawn in place ({@code \r}) by a daemon
 * thread that only reads the progress counter; {@link #close()} stops it, draws the final state if
 * the bar was due, and ends the line.
 *
 * <p>Thread-safe: the drawing thread and the closing thread synchronize on the bar.
 */
final class ProgressBar implements AutoCloseable {
  static final long DEFAULT_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * The delay of bars started without one: {@link #DEFAULT_DELAY_NANOS}; tests of the commands set
   * it to 0 (and back) to see a bar on a run shorter than a second.
   */
  static volatile long commandDelayNanos = DEFAULT_DELAY_NANOS;

  private static final long REDRAW_MILLIS = 200;

  private static final int BAR_WIDTH = 30;

  /** Where a bar is drawn; null means no bar. */
  record Output(PrintWriter err) {}

  private final String label;
  private final LongSupplier total;
  private final boolean bytes;
  private final LongSupplier done;
  private final Output out;
  private final long delayNanos;
  private final long startNanos = System.nanoTime();
  private final Thread drawer;

  // Guarded by this.
  private boolean closed;
  private boolean drawn;

  private int lastLength;

  private ProgressBar(
      String label,
      LongSupplier total,
      boolean bytes,
      LongSupplier done,
      Output out,
      long delayNanos) {
    this.label = label;
    this.total = total;
    this.bytes = bytes;
    this.done = done;
    this.out = out;
    this.delayNanos = delayNanos;
    if (out == null) {
      drawer = null;
      return;
    }
    drawer = new Thread(this::run, "seglog-progress");
    drawer.setDaemon(true);
    drawer.start();
  }

  /**
   * Whether stderr, where a bar is drawn, is an interactive terminal (where a bar is welcome). On
   * Linux that is where {@code /proc/self/fd/2} points, so a bar never goes into a file or pipe
   * stderr is redirected to, whatever stdin and stdout are; elsewhere the JDK's console (stdin and
   * stdout on a terminal) stands in for it.
   */
  static boolean interactive() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    Boolean stderrTerminal = stderrIsTerminal(Path.of("/proc/self/fd/2"));
    return stderrTerminal != null ? stderrTerminal : System.console() != null;
  }

  /** Whether the file descriptor link names a terminal device, or null when it cannot be read. */
  static Boolean stderrIsTerminal(Path fdLink) {
    try {
      String target = Files.readSymbolicLink(fdLink).toString();
      return target.startsWith("/dev/pts/")
          || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return null;
    }
  }

  static Output to(PrintWriter err) {
    return new Output(err);
  }

  /** A bar for {@code total} units of work; with a null output it draws nothing. */
  static ProgressBar start(String label, long total, LongSupplier done, Output out) {
    return start(label, total, done, out, commandDelayNanos);
  }

  static ProgressBar start(
      String label, long total, LongSupplier done, Output out, long delayNanos) {
    return new ProgressBar(label, () -> total, false, done, out, delayNanos);
  }

  /**
   * A bar for work counted in bytes whose total is learnt as it starts (as a core {@link
   * io.seglog.ProgressListener} reports it); with a null output it draws nothing.
   */
  static ProgressBar startBytes(String label, ByteProgress progress, Output out) {
    return startBytes(label, progress, out, commandDelayNanos);
  }

  static ProgressBar startBytes(String label, ByteProgress progress, Output out, long delayNanos) {
    return new ProgressBar(label, progress::total, true, progress::done, out, delayNanos);
  }

  /**
   * Byte counts a core pass reports (on its own thread) for a bar to read (on the drawing thread).
   */
  static final class ByteProgress implements io.seglog.ProgressListener {
    private volatile long done;
    private volatile long total;

    @Override
    public void progress(long bytesDone, long bytesTotal) {
      total = bytesTotal;
      done = bytesDone;
    }

    long done() {
      return done;
    }

    long total() {
      return total;
    }
  }

  private void run() {
    synchronized (this) {
      try {
        long waitNanos = delayNanos;
        while (!closed) {
          if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, waitNanos);
          }
          if (!closed) {
            draw();
          }
          waitNanos = TimeUnit.MILLISECONDS.toNanos(REDRAW_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Draws the current state. Caller holds the lock. */
  private void draw() {
    long elapsed = System.nanoTime() - startNanos;
    String line =
        bytes
            ? renderBytes(label, done.getAsLong(), total.getAsLong(), elapsed)
            : render(label, done.getAsLong(), total.getAsLong(), elapsed);
    // Blanks over the rest of a longer previous line.
    out.err().print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
    lastLength = line.length();
    out.err().flush();
    drawn = true;
  }

  @Override
  public void close() {
    if (drawer == null) {
      return;
    }
    synchronized (this) {
      closed = true;
      notifyAll();
      if (drawn || System.nanoTime() - startNanos >= delayNanos) {
        draw();
        out.err().println();
        out.err().flush();
      }
    }
    try {
      drawer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The bar's text, without a line terminator: {@code append [######----] 60% 600/1000 12000/s}.
   */
  static String render(String label, long done, long total, long elapsedNanos) {
    return bar(label, done, total)
        + String.format(
            Locale.ROOT, " %d/%d %s/s", done, total, Units.perSecond(done, elapsedNanos));
  }

  /**
   * The text of a bar counting bytes: {@code verify [######----] 60% 1.5 GiB/2.5 GiB 93.4 MB/s}.
   */
  static String renderBytes(String label, long done, long total, long elapsedNanos) {
    return bar(label, done, total)
        + " "
        + Units.bytes(done)
        + "/"
        + Units.bytes(total)
        + " "
        + Units.megabytesPerSecond(done, elapsedNanos);
  }

  private static String bar(String label, long done, long total) {
    long clamped = Math.max(0, Math.min(done, total));
    int filled = total <= 0 ? BAR_WIDTH : (int) (clamped * BAR_WIDTH / total);
    int percent = total <= 0 ? 100 : (int) (clamped * 100 / total);
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%%",
        label,
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        percent);
  }
}
