package io.seglog.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CheckpointInfo;
import io.seglog.DurableRange;
import io.seglog.Entry;
import io.seglog.LogClosedException;
import io.seglog.LogConfig;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.testing.Futures;
import io.seglog.testing.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability callback reports exactly the durable ranges: contiguous from the durable index at
 * open, no gap, no overlap, ending at the durable index, each with the newest checkpoint before it.
 */
class DurabilityListenerTest {
  @TempDir Path dir;

  private void run(SyncPolicy policy, boolean concurrent) throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(policy).segmentBytes(4096).build();
    for (int session = 0; session < 3; session++) {
      List<DurableRange> ranges = Collections.synchronizedList(new ArrayList<>());
      long durableAtOpen;
      long durableAtEnd;
      List<CheckpointInfo> checkpoints;
      Random rnd = new Random(session);
      try (StateMachineLog log =
          StateMachineLog.open(dir, config, new KvStateMachine(), ranges::add)) {
        durableAtOpen = log.durableIndex();
        if (concurrent) {
          List<Thread> threads = new ArrayList<>();
          for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(
                new Thread(
                    () -> {
                      for (int i = 0; i < 100; i++) {
                        byte[] p = ("put t" + id + " " + i).getBytes(StandardCharsets.UTF_8);
                        if (i % 3 == 0) {
                          Futures.await(log.appendAsync(p));
                        } else {
                          log.append(p);
                        }
                      }
                    }));
          }
          threads.forEach(Thread::start);
          for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(Futures.LIMIT_SECONDS));
            assertThat(t.isAlive()).as("writer %s finished", t.getName()).isFalse();
          }
        } else {
          List<CompletableFuture<Long>> futures = new ArrayList<>();
          for (int i = 0; i < 300; i++) {
            byte[] p = ("put k" + rnd.nextInt(9) + " " + i).getBytes(StandardCharsets.UTF_8);
            switch (rnd.nextInt(10)) {
              case 0 -> log.sync();
              case 1 -> log.checkpoint();
              case 2 -> futures.add(log.appendAsync(Entry.of(p)));
              default -> log.append(p);
            }
          }
          futures.forEach(Futures::await);
        }
        log.sync();
        durableAtEnd = log.durableIndex();
        assertThat(durableAtEnd).isEqualTo(log.lastIndex());
        checkpoints = log.checkpoints();
      }
      assertThat(ranges).as("session " + session).isNotEmpty();
      long expectFrom = durableAtOpen + 1;
      for (DurableRange r : ranges) {
        assertThat(r.fromIndex()).as("contiguous, no overlap: " + ranges).isEqualTo(expectFrom);
        assertThat(r.toIndex()).isGreaterThanOrEqualTo(r.fromIndex());
        CheckpointInfo expected = null;
        for (CheckpointInfo c : checkpoints) {
          if (c.index() <= r.fromIndex() - 1) {
            expected = c;
          }
        }
        assertThat(r.checkpoint()).as("checkpoint before " + r).isEqualTo(expected);
        expectFrom = r.toIndex() + 1;
      }
      assertThat(expectFrom - 1).as("the ranges end at the durable index").isEqualTo(durableAtEnd);
    }
  }

  /**
   * Regression: closing the log from the listener waited for the listener's thread to finish its
   * deliveries, that is for itself, forever.
   */
  @Test
  void closingTheLogFromTheListenerDoesNotWaitForItself() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    AtomicReference<StateMachineLog> opened = new AtomicReference<>();
    CompletableFuture<Void> closedInListener = new CompletableFuture<>();
    StateMachineLog log =
        StateMachineLog.open(
            dir,
            config,
            new KvStateMachine(),
            range -> {
              StateMachineLog l = opened.get();
              if (l == null) {
                return; // a range made durable while the log opened
              }
              try {
                l.close();
                closedInListener.complete(null);
              } catch (Throwable t) {
                closedInListener.completeExceptionally(t);
              }
            });
    opened.set(log);
    log.append("put k v".getBytes(StandardCharsets.UTF_8));
    closedInListener.get(60, TimeUnit.SECONDS);
    assertThatThrownBy(() -> log.append("put k w".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(LogClosedException.class);
    try (StateMachineLog reopened = StateMachineLog.open(dir, config, new KvStateMachine())) {
      assertThat(reopened.lastIndex()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void alwaysSingleWriter() throws Exception {
    run(SyncPolicy.ALWAYS, false);
  }

  @Test
  void alwaysConcurrentWritersShareFsyncs() throws Exception {
    run(SyncPolicy.ALWAYS, true);
  }

  @Test
  void noneWithExplicitSyncs() throws Exception {
    run(SyncPolicy.NONE, false);
  }

  @Test
  void intervalBackgroundSyncs() throws Exception {
    run(SyncPolicy.interval(Duration.ofMillis(2)), false);
  }
}
