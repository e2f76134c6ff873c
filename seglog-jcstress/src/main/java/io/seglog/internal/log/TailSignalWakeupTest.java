package io.seglog.internal.log;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * No lost wake-up for a tailer of written records: the writer publishes {@code lastIndex} (a
 * volatile write) and then calls {@link TailSignal#published()}, which signals only if it sees a
 * waiter. A tailer waiting without a deadline for that index must always wake.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "the tailer woke")
@Outcome(id = "STALE", expect = Expect.FORBIDDEN, desc = "lost wake-up: the tailer sleeps forever")
@State
public class TailSignalWakeupTest {
  private final TailSignal signal = new TailSignal();
  private volatile long lastIndex;

  @Actor
  public void tailer() {
    // An interrupt (jcstress sends one to a stuck actor) is not a wake-up: keep waiting, so a
    // lost wake-up shows as STALE.
    while (true) {
      try {
        if (signal.await(() -> lastIndex >= 1, Long.MAX_VALUE / 4 + System.nanoTime())) {
          return;
        }
      } catch (InterruptedException e) {
        // keep waiting
      }
    }
  }

  @Signal
  public void writer() {
    lastIndex = 1; // publish
    signal.published();
  }
}
