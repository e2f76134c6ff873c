package io.seglog.internal.log;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Like {@link TailSignalWakeupTest}, but the writer publishes only once the tailer has registered
 * as a waiter, so the tailer is between its registration and its park, or parked: it must wake. (In
 * {@link TailSignalWakeupTest} the writer often publishes before the tailer looks, which it then
 * sees without waiting.)
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "the tailer woke")
@Outcome(id = "STALE", expect = Expect.FORBIDDEN, desc = "lost wake-up: the tailer sleeps forever")
@State
public class TailSignalRegisteredWakeupTest {
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
    while (signal.waiters() == 0) {
      Thread.onSpinWait();
    }
    lastIndex = 1; // publish
    signal.published();
  }
}
