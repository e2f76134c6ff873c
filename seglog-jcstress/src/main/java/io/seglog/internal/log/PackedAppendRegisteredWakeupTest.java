package io.seglog.internal.log;

import io.seglog.Log;
import io.seglog.Storage;
import io.seglog.Tailer;
import java.nio.file.Path;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Like {@link PackedAppendWakeupTest}, but the writer appends only once the tailer has registered
 * as a waiter on the written signal, so the tailer is parked or between its registration and its
 * park: the append must see it, seal the open frame and wake it (the tailer, already past its own
 * checks, cannot see the record pending).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "the tailer got the record")
@Outcome(
    id = "STALE",
    expect = Expect.FORBIDDEN,
    desc = "lost wake-up: the tailer sleeps while its record stays in the open frame")
@State
public class PackedAppendRegisteredWakeupTest {
  private final SegmentedLog log =
      (SegmentedLog)
          Log.open(Path.of("jcstress"), PackedAppendWakeupTest.CONFIG, Storage.inMemory());
  private final Tailer tailer = log.tailer(1);
  private volatile boolean tailerReturned; // so the writer never spins for a tailer that failed

  @Actor
  public void tailer() {
    try {
      PackedAppendWakeupTest.pollOne(tailer);
    } finally {
      tailerReturned = true;
    }
  }

  @Signal
  public void writer() {
    while (log.writtenWaitersForTest() == 0 && !tailerReturned) {
      Thread.onSpinWait();
    }
    log.append(PackedAppendWakeupTest.PAYLOAD);
  }
}
