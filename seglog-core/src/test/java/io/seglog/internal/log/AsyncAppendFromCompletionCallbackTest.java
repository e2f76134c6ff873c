package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.DaemonTask;
import io.seglog.testing.HeldFlushWorker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An asynchronous append made from the completion callback of another one's future, under {@code
 * ALWAYS}. Such a callback runs on the flush worker, the thread that completes the futures; a
 * future queued to that worker and joined in the callback waited for the thread waiting on it, for
 * ever (and close, which waits for the worker, hung after it). Now such a future, joined or got on
 * the worker, makes its append durable in the callback's thread first, and completes it, or fails
 * it if the fsync fails; the append is still completed after the callback that made it returns.
 * Every wait is bounded, so a regression fails instead of hanging.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only: every wait below is bounded
class AsyncAppendFromCompletionCallbackTest {
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();

  @TempDir Path dir;

  @Test
  void aSingleAppendJoinedInTheCallbackCompletes() throws Exception {
    joinedInTheCallbackCompletes(log -> log.appendAsync(bytes("nested")));
  }

  @Test
  void aBatchJoinedInTheCallbackCompletes() throws Exception {
    joinedInTheCallbackCompletes(
        log -> log.appendBatchAsync(List.of(Entry.of(bytes("nested")), Entry.of(bytes("too")))));
  }

  /** A future derived from the nested one (thenApply), joined: the same. */
  @Test
  void aDerivedFutureJoinedInTheCallbackCompletes() throws Exception {
    joinedInTheCallbackCompletes(log -> log.appendAsync(bytes("nested")).thenApply(i -> i));
  }

  /**
   * A future composed (thenCompose) with another asynchronous append made when the nested one
   * completes, joined: the same.
   */
  @Test
  void aComposedFutureJoinedInTheCallbackCompletes() throws Exception {
    joinedInTheCallbackCompletes(
        log ->
            log.appendAsync(bytes("nested"))
                .thenCompose(i -> log.appendAsync(bytes("then")).thenApply(j -> i)));
  }

  /**
   * The callback joins the future of an asynchronous append made by another thread, queued behind
   * the one whose callback runs: it completes (it hung: the worker that was to complete it was
   * waiting for it).
   */
  @Test
  void aFutureMadeElsewhereJoinedInTheCallbackCompletes() throws Exception {
    joinedWithAnAppendInTheSameBatchCompletes((outer, other) -> other);
  }

  /**
   * The callback joins its own future combined (thenCombine) with the future of another thread's
   * append queued behind it: both were taken by the flush worker in the same batch, which was
   * completing the first when the callback ran. It completes (it hung: the help found the queue
   * empty, the other append being in the worker's batch in progress, and waited for the worker).
   */
  @Test
  void aFutureCombinedWithAnAppendInTheSameBatchJoinedInTheCallbackCompletes() throws Exception {
    joinedWithAnAppendInTheSameBatchCompletes(
        (outer, other) -> outer.thenCombine(other, (a, b) -> b));
  }

  /** The same, composed (thenCompose) with the other thread's append in the same batch. */
  @Test
  void aFutureComposedWithAnAppendInTheSameBatchJoinedInTheCallbackCompletes() throws Exception {
    joinedWithAnAppendInTheSameBatchCompletes((outer, other) -> outer.thenCompose(i -> other));
  }

  /**
   * Queues {@code outer} and {@code other} while the flush worker is held (so it takes both in one
   * batch), and joins {@code combine.apply(outer, other)} in {@code outer}'s callback: it completes
   * with {@code other}'s index, durable, and the log closes.
   */
  private void joinedWithAnAppendInTheSameBatchCompletes(
      BiFunction<CompletableFuture<Long>, CompletableFuture<Long>, CompletableFuture<Long>> combine)
      throws Exception {
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, NioFileIO.INSTANCE);
    HeldFlushWorker held = HeldFlushWorker.hold(log, new ArrayList<>());
    CompletableFuture<Long> outer = log.appendAsync(bytes("outer"));
    CompletableFuture<Long> other = log.appendAsync(bytes("other"));
    CompletableFuture<Long> joined = new CompletableFuture<>();
    outer.whenComplete(
        (i, failure) -> {
          try {
            joined.complete(
                combine.apply(outer, other).get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS));
          } catch (Exception e) {
            joined.completeExceptionally(e);
          }
        });
    held.release().countDown();
    long outerIndex = outer.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(joined.get(2 * DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(outerIndex + 1);
    assertThat(other.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(outerIndex + 1);
    assertThat(log.durableIndex()).isGreaterThanOrEqualTo(outerIndex + 1);
    DaemonTask.closeWithin(log);
  }

  /**
   * A chain of asynchronous appends, each made from the completion callback of the one before (a
   * writer that keeps one append in flight): each callback returns before the next one runs. Made
   * durable and completed inside the callback that appended it, each next link ran nested in the
   * one before, one stack level per record, until a StackOverflowError, swallowed by the future it
   * was thrown into, silently ended the chain (about a thousand records on the flush worker).
   */
  @Test
  void aChainOfAppendsFromCompletionCallbacksDoesNotNest() throws Exception {
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, NioFileIO.INSTANCE);
    int links = 200;
    AtomicInteger running = new AtomicInteger(); // callbacks of the chain running now
    AtomicInteger appended = new AtomicInteger();
    CompletableFuture<String> done = new CompletableFuture<>();
    Runnable[] next = new Runnable[1];
    next[0] =
        () ->
            log.appendAsync(bytes("link"))
                .whenComplete(
                    (index, failure) -> {
                      if (running.getAndIncrement() != 0) {
                        done.complete("link " + index + " ran inside the callback before it");
                      }
                      try {
                        if (failure != null) {
                          done.complete("link failed: " + failure);
                        } else if (appended.incrementAndGet() == links) {
                          done.complete("done");
                        } else {
                          next[0].run();
                        }
                      } finally {
                        running.decrementAndGet();
                      }
                    });
    next[0].run();
    assertThat(done.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(log.lastIndex()).isEqualTo(log.firstIndex() + links - 1);
    DaemonTask.closeWithin(log);
  }

  /**
   * The flush worker runs {@code outer}'s callback, which joins {@code nested.apply(log)}: it
   * completes with the next index, durable, and the log closes and reopens with every record.
   */
  private void joinedInTheCallbackCompletes(Function<Log, CompletableFuture<Long>> nested)
      throws Exception {
    FailingFsyncIO io = new FailingFsyncIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    Nested result = appendInCallback(log, nested, () -> {});
    assertThat(result.thread.getName()).startsWith("seglog-flush");
    long index = result.index.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(index).isEqualTo(result.outerIndex + 1);
    assertThat(log.durableIndex()).isGreaterThanOrEqualTo(log.lastIndex());
    long last = log.lastIndex();
    DaemonTask.closeWithin(log); // hung before the fix: close waits for the stuck worker
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(last);
      assertThat(new String(reopened.read(index).payloadBytes(), StandardCharsets.UTF_8))
          .isEqualTo("nested");
    }
  }

  /**
   * The fsync the callback's append runs in the callback's thread fails: its future fails with the
   * fence, the log is fenced, and nothing hangs.
   */
  @Test
  void aFailedFsyncInTheCallbackFailsItsFuture() throws Exception {
    FailingFsyncIO io = new FailingFsyncIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    Nested result =
        appendInCallback(log, l -> l.appendAsync(bytes("nested")), () -> io.fail = true);
    assertThatThrownBy(() -> result.index.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LogFencedException.class);
    assertThatThrownBy(() -> log.append(bytes("after"))).isInstanceOf(LogFencedException.class);
    try {
      DaemonTask.closeWithin(log); // returns: the worker is not stuck
    } catch (ExecutionException e) {
      assertThat(e).hasCauseInstanceOf(LogFencedException.class); // close may report the fence
    }
  }

  /** What the callback did: the thread it ran on, and the nested append's future, joined. */
  private record Nested(long outerIndex, Thread thread, CompletableFuture<Long> index) {}

  /**
   * Holds the flush worker, queues an asynchronous append behind it with a callback that (after
   * {@code before}) joins {@code nested.apply(log)}, and lets the worker go: it completes the
   * append and runs the callback.
   */
  private static Nested appendInCallback(
      Log log, Function<Log, CompletableFuture<Long>> nested, Runnable before) throws Exception {
    List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
    HeldFlushWorker held = HeldFlushWorker.hold(log, acknowledged);
    CompletableFuture<Long> outer = log.appendAsync(bytes("outer"));
    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    CompletableFuture<Long> index = new CompletableFuture<>();
    outer.whenComplete(
        (i, failure) -> {
          ranOn.complete(Thread.currentThread());
          try {
            before.run();
            index.complete(nested.apply(log).join());
          } catch (RuntimeException | Error e) {
            index.completeExceptionally(
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause()
                    : e);
          }
        });
    held.release().countDown();
    Thread thread = ranOn.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(thread).isEqualTo(held.thread()); // the flush worker, not this thread
    return new Nested(outer.get(DaemonTask.WAIT_SECONDS, TimeUnit.SECONDS), thread, index);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The real file system; once {@link #fail} is set, every fsync fails (EIO). */
  private static final class FailingFsyncIO extends ForwardingFileIO {
    volatile boolean fail;

    FailingFsyncIO() {
      super(NioFileIO.INSTANCE);
    }

    @Override
    protected FileHandle wrap(Path file, FileHandle handle) {
      return new ForwardingHandle(handle) {
        @Override
        public void force() throws IOException {
          if (fail) {
            throw new IOException("injected fsync failure (EIO)");
          }
          super.force();
        }
      };
    }
  }
}
