package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.testing.DaemonTask;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suffix cut wakes a tailer waiting past the end: if it removed records the tailer had returned
 * (or, a reset, moved the first index past it), the waiting poll throws {@link
 * RecordsGoneException} at once. The cut did not signal, so such a tailer learned it only at its
 * timeout (here far longer than the test waits) or once appends reached its position.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only
class TailerWokenByCutTest {
  private static final Duration LONGER_THAN_THE_TEST = Duration.ofMinutes(30);

  @TempDir Path dir;

  /** Appends 1..10, has a tailer return them all, then cuts while it waits for record 11. */
  private void cutWhileWaiting(
      SyncPolicy policy, Visibility visibility, Consumer<Log> cut, Class<?> expected)
      throws Exception {
    try (Log log = Log.open(dir, TailerTest.config(policy));
        Tailer tailer = log.tailer(1, visibility)) {
      for (long i = 1; i <= 10; i++) {
        log.append(TailerTest.entry(i));
      }
      log.sync();
      for (long i = 1; i <= 10; i++) {
        assertThat(TailerTest.expected(i).difference(tailer.poll(Duration.ofSeconds(30)))).isNull();
      }
      DaemonTask<Record> poll = new DaemonTask<>("poll", () -> tailer.poll(LONGER_THAN_THE_TEST));
      TailerTest.awaitWaiting(poll.thread);
      cut.accept(log);
      assertThatThrownBy(poll::get)
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(expected);
    }
  }

  @Test
  void truncateAfterBelowWhatAWrittenTailerReturnedWakesItWithRecordsGone() throws Exception {
    cutWhileWaiting(
        SyncPolicy.NONE, Visibility.WRITTEN, l -> l.truncateAfter(5), RecordsGoneException.class);
  }

  @Test
  void truncateAfterBelowWhatADurableTailerReturnedWakesItWithRecordsGone() throws Exception {
    cutWhileWaiting(
        SyncPolicy.ALWAYS, Visibility.DURABLE, l -> l.truncateAfter(5), RecordsGoneException.class);
  }

  @Test
  void resetPastAWaitingTailerWakesItWithRecordsGone() throws Exception {
    cutWhileWaiting(
        SyncPolicy.NONE, Visibility.WRITTEN, l -> l.reset(100), RecordsGoneException.class);
  }

  @Test
  void aCutThatKeepsWhatATailerReturnedLeavesItWaitingForTheNextRecord() throws Exception {
    try (Log log = Log.open(dir, TailerTest.config(SyncPolicy.NONE));
        Tailer tailer = log.tailer(1)) {
      for (long i = 1; i <= 10; i++) {
        log.append(TailerTest.entry(i));
      }
      for (long i = 1; i <= 10; i++) {
        assertThat(tailer.poll(Duration.ofSeconds(30))).isNotNull();
      }
      DaemonTask<Record> poll = new DaemonTask<>("poll", () -> tailer.poll(LONGER_THAN_THE_TEST));
      TailerTest.awaitWaiting(poll.thread);
      log.clear(); // keeps 1..10 as far as the tailer is concerned: the next index is still 11
      TailerTest.awaitWaiting(poll.thread);
      assertThat(poll.result).isNotDone();
      log.append(TailerTest.entry(11));
      assertThat(TailerTest.expected(11).difference(poll.get())).isNull();
    }
  }
}
