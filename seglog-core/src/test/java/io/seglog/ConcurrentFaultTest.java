package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.Futures;
import io.seglog.testing.TestClock;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults while several threads append at once, synchronously and asynchronously (group commit): the
 * Nth fsync or write fails, or the process crashes or the power fails at the Nth operation. Every
 * future completes (never hangs), normally or with {@link LogFencedException} / {@link
 * LogClosedException}; after reopening, every acknowledged record (a returned append, a normally
 * completed future) is there with its exact bytes, and every record there is one that was
 * attempted, once, in its thread's order. Interleavings differ from run to run; the assertions hold
 * for all of them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard only: the contract is "never hangs"
class ConcurrentFaultTest {
  static final int THREADS = 4;
  static final int OPS_PER_THREAD = 25;

  @TempDir static Path base;
  static final AtomicInteger RUNS = new AtomicInteger();

  /** An attempted record: its tag is in the first 8 payload bytes (thread, sequence, entry). */
  record Attempt(byte[] payload, int type, long timestamp) {
    long tag() {
      return ByteBuffer.wrap(payload).getLong(0);
    }
  }

  /** One call to the log and its result. */
  static final class Call {
    final List<Attempt> records = new ArrayList<>();
    CompletableFuture<Long> future;
  }

  static LogConfig config(SyncPolicy policy) {
    return LogConfig.builder()
        .syncPolicy(policy)
        .segmentBytes(8192)
        .clock(new TestClock(1_700_000_000_000L))
        .build();
  }

  static List<Call> worker(Log log, int thread) {
    SplittableRandom rnd = new SplittableRandom(thread);
    List<Call> calls = new ArrayList<>();
    for (int seq = 0; seq < OPS_PER_THREAD; seq++) {
      Call call = new Call();
      int entries = seq % 4 == 3 ? 3 : 1;
      List<Entry> batch = new ArrayList<>();
      for (int e = 0; e < entries; e++) {
        byte[] p = new byte[8 + rnd.nextInt(0, 200)];
        rnd.nextBytes(p);
        ByteBuffer.wrap(p).putLong(0, ((long) thread << 32) | (seq << 8) | e);
        long ts = 1_000_000L * thread + seq * 10L + e;
        call.records.add(new Attempt(p, thread, ts));
        batch.add(Entry.of(p, thread, ts));
      }
      calls.add(call);
      try {
        switch (seq % 4) {
          case 0 -> call.future = CompletableFuture.completedFuture(log.append(batch.get(0)));
          case 3 -> call.future = log.appendBatchAsync(batch);
          default -> call.future = log.appendAsync(batch.get(0));
        }
      } catch (LogFencedException | LogClosedException e) {
        call.future = CompletableFuture.failedFuture(e);
        break;
      }
    }
    return calls;
  }

  static DynamicTest scenario(
      String name, SyncPolicy policy, boolean powerLoss, Consumer<FaultInjectingFileIO> arm) {
    return DynamicTest.dynamicTest(name, () -> run(name, policy, powerLoss, arm));
  }

  static void run(
      String name, SyncPolicy policy, boolean powerLoss, Consumer<FaultInjectingFileIO> arm)
      throws Exception {
    Path dir = base.resolve("run-" + RUNS.incrementAndGet());
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    Log log = SegmentedLog.open(dir, config(policy), io);
    arm.accept(io);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Call> calls = new ArrayList<>();
    try {
      List<Future<List<Call>>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        workers.add(pool.submit(() -> worker(log, thread)));
      }
      for (Future<List<Call>> w : workers) {
        calls.addAll(w.get(Futures.LIMIT_SECONDS, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdown();
    }
    // Every future completes, normally or with a fenced or closed log.
    Map<Long, Attempt> acked = new HashMap<>();
    for (Call call : calls) {
      try {
        long first = Futures.await(call.future);
        for (int i = 0; i < call.records.size(); i++) {
          acked.put(first + i, call.records.get(i));
        }
      } catch (CompletionException e) {
        Throwable cause = e.getCause();
        assertThat(cause)
            .as(name + ": a failed append's exception")
            .isInstanceOfAny(LogFencedException.class, LogClosedException.class);
      }
    }
    boolean failed = !io.injectedFailures().isEmpty();
    if (failed) {
      try {
        log.append(new byte[8]);
        fail(name + ": an append after " + io.injectedFailures() + " succeeded");
      } catch (LogFencedException | LogClosedException expected) {
        // the contract
      }
    }
    try {
      log.close();
    } catch (SeglogException e) {
      assertThat(io.injectedFailures())
          .as("close threw without an injected failure: " + e)
          .isNotEmpty();
    }
    if (powerLoss) {
      io.powerLoss();
    } else {
      io.crash();
    }

    Map<Long, Attempt> attempted = new HashMap<>();
    for (Call call : calls) {
      for (Attempt a : call.records) {
        attempted.put(a.tag(), a);
      }
    }
    try (Log reopened = SegmentedLog.open(dir, config(policy), NioFileIO.INSTANCE)) {
      for (Map.Entry<Long, Attempt> e : acked.entrySet()) {
        assertThat(e.getKey())
            .as(name + ": acknowledged index " + e.getKey() + " after reopen")
            .isLessThanOrEqualTo(reopened.lastIndex());
        Record r = reopened.read(e.getKey());
        assertThat(r.payloadBytes())
            .as(name + ": record " + e.getKey())
            .isEqualTo(e.getValue().payload);
        assertThat(r.type()).isEqualTo(e.getValue().type);
        assertThat(r.timestamp()).isEqualTo(e.getValue().timestamp);
      }
      Map<Long, Long> lastSeqOfThread = new HashMap<>();
      java.util.Set<Long> seen = new java.util.HashSet<>();
      try (LogReader reader = reopened.reader(reopened.firstIndex(), reopened.lastIndex() + 1)) {
        while (reader.hasNext()) {
          Record r = reader.next();
          byte[] p = r.payloadBytes();
          assertThat(p.length).as(name + ": record " + r.index()).isGreaterThanOrEqualTo(8);
          long tag = ByteBuffer.wrap(p).getLong(0);
          Attempt a = attempted.get(tag);
          assertThat(a).as(name + ": record " + r.index() + " was attempted").isNotNull();
          assertThat(Arrays.equals(a.payload, p)).as(name + ": bytes of " + r.index()).isTrue();
          assertThat(r.timestamp()).isEqualTo(a.timestamp);
          assertThat(seen.add(tag)).as(name + ": record " + r.index() + " only once").isTrue();
          long thread = tag >>> 32;
          long order = tag & 0xFFFFFFFFL;
          Long before = lastSeqOfThread.put(thread, order);
          assertThat(before == null || before < order)
              .as(name + ": thread " + thread + "'s records in its order at " + r.index())
              .isTrue();
        }
      }
      long next = reopened.lastIndex() + 1;
      assertThat(reopened.append(new byte[8])).isEqualTo(next);
    }
    FaultInjectionTest.deleteRecursively(dir);
  }

  @TestFactory
  Stream<DynamicNode> faultsUnderConcurrentAppends() {
    List<DynamicNode> nodes = new ArrayList<>();
    List<DynamicTest> forces = new ArrayList<>();
    for (int n = 1; n <= 40; n += 3) {
      int nth = n;
      for (boolean powerLoss : new boolean[] {false, true}) {
        forces.add(
            scenario(
                "ALWAYS FORCE#" + nth + " fails" + (powerLoss ? ", power loss" : ", crash"),
                SyncPolicy.ALWAYS,
                powerLoss,
                io -> io.failNth(Op.FORCE, io.count(Op.FORCE) + nth, false)));
      }
    }
    nodes.add(DynamicContainer.dynamicContainer("a failed fsync", forces));
    List<DynamicTest> writes = new ArrayList<>();
    for (int n = 1; n <= 40; n += 3) {
      int nth = n;
      for (SyncPolicy policy : List.of(SyncPolicy.ALWAYS, SyncPolicy.NONE)) {
        writes.add(
            scenario(
                policy + " WRITE#" + nth + " torn after 20 bytes, crash",
                policy,
                false,
                io -> io.tornWriteNth(io.count(Op.WRITE) + nth, 20)));
      }
    }
    nodes.add(DynamicContainer.dynamicContainer("a torn write", writes));
    List<DynamicTest> crashes = new ArrayList<>();
    for (int n = 1; n <= 160; n += 5) {
      int nth = n;
      crashes.add(
          scenario(
              "ALWAYS power loss at operation +" + nth,
              SyncPolicy.ALWAYS,
              true,
              io -> io.crashAtOperation(io.totalOperations() + nth)));
      crashes.add(
          scenario(
              "NONE crash at operation +" + nth,
              SyncPolicy.NONE,
              false,
              io -> io.crashAtOperation(io.totalOperations() + nth)));
    }
    nodes.add(DynamicContainer.dynamicContainer("crash and power loss", crashes));
    return nodes.stream();
  }
}
