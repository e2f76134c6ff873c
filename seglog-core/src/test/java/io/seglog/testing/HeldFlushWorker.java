package io.seglog.testing;

import io.seglog.Log;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A log's flush worker (the thread completing {@link Log#appendAsync} futures under {@code
 * ALWAYS}), held inside the completion callback of an asynchronous append until {@link #release} is
 * counted down: what is queued next waits for it. Bounded: a held callback waits at most twice
 * {@link DaemonTask#WAIT_SECONDS}.
 *
 * @param thread the flush worker
 * @param release counted down to let it go on
 */
public record HeldFlushWorker(Thread thread, CountDownLatch release) {
  /**
   * Holds {@code log}'s flush worker (the append it holds is added to {@code acknowledged}). A
   * callback that ran on this thread (the append was durable before it was registered) holds
   * nothing: then once more, within {@link DaemonTask#WAIT_SECONDS}.
   */
  public static HeldFlushWorker hold(Log log, List<CompletableFuture<Long>> acknowledged)
      throws Exception {
    Thread me = Thread.currentThread();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DaemonTask.WAIT_SECONDS);
    while (true) {
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Thread> ranOn = new CompletableFuture<>();
      CompletableFuture<Long> f = log.appendAsync("hold".getBytes(StandardCharsets.UTF_8));
      acknowledged.add(f);
      f.whenComplete(
          (index, failure) -> {
            ranOn.complete(Thread.currentThread());
            if (Thread.currentThread() != me) {
              DaemonTask.awaitQuietly(release);
            }
          });
      Thread worker = ranOn.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS);
      if (worker != me) {
        return new HeldFlushWorker(worker, release);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no completion callback ran on the flush worker");
      }
    }
  }
}
