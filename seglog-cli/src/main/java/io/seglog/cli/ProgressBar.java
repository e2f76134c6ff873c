package io.seglog.cli;

import java.io.PrintWriter;
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

  private static final long REDRAW_MILLIS = 200;

  private static final int BAR_WIDTH = 30;

  /** Where a bar is drawn; null means no bar. */
  record Output(PrintWriter err) {}

  private final String label;
  private final long total;
  private final LongSupplier done;
  private final Output out;
  private final long delayNanos;
  private final long startNanos = System.nanoTime();
  private final Thread drawer;

  // Guarded by this.
  private boolean closed;
  private boolean drawn;

  private int lastLength;

  private ProgressBar(String label, long total, LongSupplier done, Output out, long delayNanos) {
    this.label = label;
    this.total = total;
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

  /** Whether the tool runs on an interactive console (where a progress bar is welcome). */
  static boolean interactive() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  static Output to(PrintWriter err) {
    return new Output(err);
  }

  /** A bar for {@code total} units of work; with a null output it draws nothing. */
  static ProgressBar start(String label, long total, LongSupplier done, Output out) {
    return start(label, total, done, out, DEFAULT_DELAY_NANOS);
  }

  static ProgressBar start(
      String label, long total, LongSupplier done, Output out, long delayNanos) {
    return new ProgressBar(label, total, done, out, delayNanos);
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
    String line = render(label, done.getAsLong(), total, System.nanoTime() - startNanos);
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
    long clamped = Math.max(0, Math.min(done, total));
    int filled = total <= 0 ? BAR_WIDTH : (int) (clamped * BAR_WIDTH / total);
    int percent = total <= 0 ? 100 : (int) (clamped * 100 / total);
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%% %d/%d %s/s",
        label,
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        percent,
        done,
        total,
        Units.perSecond(done, elapsedNanos));
  }
}
