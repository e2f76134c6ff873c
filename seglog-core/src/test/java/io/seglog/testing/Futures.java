package io.seglog.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting for a future in a test without risking a hang: {@link CompletableFuture#join()} ignores
 * the interrupt of JUnit's {@code @Timeout}, so a future the log never completes would hold the
 * build until CI's own limit. {@link #await} fails the test instead.
 */
public final class Futures {
  /** How long a test waits for one future before failing: far beyond any healthy append. */
  public static final long LIMIT_SECONDS = 120;

  private Futures() {}

  /**
   * Like {@link CompletableFuture#join()}: returns the value or throws a {@link
   * CompletionException} whose cause is the failure; throws {@link AssertionError} if the future is
   * not complete within {@link #LIMIT_SECONDS}.
   */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(LIMIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(
          "future not completed within " + LIMIT_SECONDS + " s (the log left it hanging)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a future", e);
    }
  }
}
