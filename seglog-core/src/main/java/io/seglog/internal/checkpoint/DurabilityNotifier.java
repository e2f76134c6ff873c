package io.seglog.internal.checkpoint;

import io.seglog.CheckpointInfo;
import io.seglog.DurabilityListener;
import io.seglog.DurableRange;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Turns the sync coordinator's "durable up to N" events (delivered in order, under its monitor,
 * where nothing may block) into {@link DurableRange}s handed to the user's listener on a thread of
 * its own, one at a time: each range starts right after the previous one ended, so the ranges are
 * contiguous, never overlap, and end at the durable index.
 */
final class DurabilityNotifier implements LongConsumer {
  private final DurabilityListener listener;
  private final LongFunction<CheckpointInfo> checkpointAtMost;
  private final ExecutorService executor;
  private long reported; // only the executor's thread touches it after construction
  private volatile Thread thread; // the executor's thread, once started

  DurabilityNotifier(
      DurabilityListener listener,
      long durableAtStart,
      LongFunction<CheckpointInfo> checkpointAtMost,
      String name) {
    this.listener = listener;
    this.checkpointAtMost = checkpointAtMost;
    this.reported = durableAtStart;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "seglog-durable " + name);
              t.setDaemon(true);
              thread = t;
              return t;
            });
  }

  @Override
  public void accept(long durable) {
    try {
      executor.execute(() -> deliver(durable));
    } catch (RejectedExecutionException e) {
      // closed: the log is closed too, nothing more becomes durable
    }
  }

  private void deliver(long durable) {
    if (durable <= reported) {
      return;
    }
    DurableRange range = new DurableRange(reported + 1, durable, checkpointAtMost.apply(reported));
    reported = durable;
    try {
      listener.durable(range);
    } catch (RuntimeException e) {
      // the listener's failure is its own; later ranges are still delivered
    }
  }

  /**
   * Delivers what is queued, then stops. Called from the listener (which closes the log), it cannot
   * wait for its own thread: what is queued is delivered once the listener returns.
   */
  void close() {
    executor.shutdown();
    if (Thread.currentThread() == thread) {
      return;
    }
    // No bound, on purpose: DurabilityListener promises that close returns after the last call, so
    // a caller may release what its listener uses as soon as close returns. A listener that never
    // returns holds close, as a task holds ExecutorService.close(); an interrupt does not end the
    // wait either, it is restored afterwards.
    boolean interrupted = false;
    while (true) {
      try {
        if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
