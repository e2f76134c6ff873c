package io.seglog.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A test's call run on a daemon thread of its own, and the bounded waits that go with it: a
 * regression that deadlocks fails the test within {@link #WAIT_SECONDS} instead of hanging the JVM
 * (a daemon thread does not keep it alive, and a deadlocked log is simply never closed again).
 *
 * @param <T> what the call returns
 */
public final class DaemonTask<T> {
  /** How long each wait lasts before the test fails: far beyond any healthy call. */
  public static final long WAIT_SECONDS = 30;

  /** Completed with the call's result or failure. */
  public final CompletableFuture<T> result = new CompletableFuture<>();

  /** The thread running the call (for {@link #awaitState}). */
  public final Thread thread;

  /** Starts {@code body} on a daemon thread named {@code name}. */
  public DaemonTask(String name, Callable<T> body) {
    thread =
        new Thread(
            () -> {
              try {
                result.complete(body.call());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * The call's result, waiting at most {@link #WAIT_SECONDS}.
   *
   * @throws java.util.concurrent.ExecutionException if the call threw
   * @throws AssertionError if it has not finished in time (a deadlock)
   */
  public T get() throws Exception {
    try {
      return result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(thread.getName() + " did not finish within " + WAIT_SECONDS + " s");
    }
  }

  /** Waits for {@code latch} at most {@link #WAIT_SECONDS}; fails naming {@code what} if not. */
  public static void await(CountDownLatch latch, String what) throws InterruptedException {
    assertThat(latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).as(what).isTrue();
  }

  /**
   * Waits for {@code latch} at most twice {@link #WAIT_SECONDS}, without failing: for a callback
   * held by a test, which must let go in the end even if the test has failed.
   */
  public static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(2 * WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes {@code log} on a daemon thread, failing (not hanging) if that does not return. */
  public static void closeWithin(io.seglog.Log log) throws Exception {
    new DaemonTask<Void>(
            "close",
            () -> {
              log.close();
              return null;
            })
        .get();
  }

  /** Waits at most {@link #WAIT_SECONDS} until {@code thread} is in {@code state}. */
  public static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (thread.getState() != state) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            thread.getName() + " did not reach " + state + " in " + WAIT_SECONDS + " s");
      }
      Thread.sleep(1);
    }
  }
}
