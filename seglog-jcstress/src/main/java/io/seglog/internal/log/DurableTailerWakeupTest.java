package io.seglog.internal.log;

import io.seglog.LogFencedException;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * No lost wake-up for a durable-only tailer: the sync coordinator advances the durable index and
 * then tells the log ({@code Writer.durableAdvanced}), which calls {@link TailSignal#published()}.
 * A tailer waiting for that index must always wake.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "the tailer woke")
@Outcome(id = "STALE", expect = Expect.FORBIDDEN, desc = "lost wake-up: the tailer sleeps forever")
@State
public class DurableTailerWakeupTest {
  private final TailSignal durable = new TailSignal();
  private final SyncCoordinator sync =
      new SyncCoordinator(
          new SyncCoordinator.Writer() {
            @Override
            public SyncCoordinator.Written written() {
              throw new UnsupportedOperationException();
            }

            @Override
            public LogFencedException fence(String what, IOException cause) {
              throw new UnsupportedOperationException();
            }

            @Override
            public void checkNotFenced() {}

            @Override
            public long firstIndex() {
              return 1;
            }

            @Override
            public void durableAdvanced() {
              durable.published();
            }
          },
          "jcstress",
          0,
          0);

  @Actor
  public void tailer() {
    // An interrupt (jcstress sends one to a stuck actor) is not a wake-up: keep waiting, so a
    // lost wake-up shows as STALE.
    while (true) {
      try {
        if (durable.await(() -> sync.durableIndex() >= 1, Long.MAX_VALUE / 4 + System.nanoTime())) {
          return;
        }
      } catch (InterruptedException e) {
        // keep waiting
      }
    }
  }

  @Signal
  public void fsync() {
    sync.recorded(1, 1, 10);
  }
}
