package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way of appending wakes a tailer already waiting for the record it publishes: the tailer
 * waits far longer than the test does, so a publication that does not signal shows up as a poll
 * that never returns in time. {@code appendStream} published its record without signalling, so a
 * waiting tailer slept through it until its timeout or the next append.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only
class TailerWakeupTest {
  private static final Duration LONGER_THAN_THE_TEST = Duration.ofMinutes(5);

  @TempDir Path dir;

  private static byte[] payload(long index) {
    return ("record " + index).getBytes(StandardCharsets.UTF_8);
  }

  private interface Append {
    void append(Log log, long index) throws Exception;
  }

  @Test
  void everyAppendWakesAWaitingTailer() throws Exception {
    List<Append> appends =
        List.of(
            (log, i) -> log.append(payload(i)),
            (log, i) -> log.appendBatch(List.of(Entry.of(payload(i)))),
            (log, i) -> log.appendAsync(payload(i)).get(30, TimeUnit.SECONDS),
            (log, i) -> log.appendStream(new ByteArrayInputStream(payload(i)), 1 << 20));
    for (LogConfig config :
        List.of(
            LogConfig.builder().syncPolicy(SyncPolicy.NONE).build(),
            LogConfig.builder().syncPolicy(SyncPolicy.NONE).writeBufferBytes(64 << 10).build())) {
      Path logDir = dir.resolve("log-" + config.writeBufferBytes());
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try (Log log = Log.open(logDir, config);
          Tailer tailer = log.tailer(1, Visibility.WRITTEN)) {
        long index = 1;
        for (int round = 0; round < 3; round++) {
          for (Append append : appends) {
            Future<Record> got = pool.submit(() -> tailer.poll(LONGER_THAN_THE_TEST));
            PackedAppendsTest.awaitWaiting(log);
            append.append(log, index);
            Record r = got.get(30, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.index()).isEqualTo(index);
            assertThat(r.payloadBytes()).isEqualTo(payload(index));
            index++;
          }
        }
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      }
    }
  }
}
