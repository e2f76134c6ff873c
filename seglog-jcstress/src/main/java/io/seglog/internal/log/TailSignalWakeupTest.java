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
  public void tailer() throws InterruptedException {
    signal.await(() -> lastIndex >= 1, Long.MAX_VALUE / 4 + System.nanoTime());
  }

  @Signal
  public void writer() {
    lastIndex = 1; // publish
    signal.published();
  }
}
