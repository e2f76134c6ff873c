package io.seglog.internal.log;

import io.seglog.LogFencedException;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * Publication of the durable index: the sync coordinator records an fsync covering index 2 after
 * one covering index 1, concurrently with a reader. A reader never sees the durable index go back,
 * and what it sees is one of the values published (0, 1 or 2).
 */
@JCStressTest
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "nothing durable yet")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "advancing")
@Outcome(id = "0, 2", expect = Expect.ACCEPTABLE, desc = "advancing")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "steady")
@Outcome(id = "1, 2", expect = Expect.ACCEPTABLE, desc = "advancing")
@Outcome(id = "2, 2", expect = Expect.ACCEPTABLE, desc = "all durable")
@Outcome(expect = Expect.FORBIDDEN, desc = "went back or invented a value")
@State
public class DurableIndexPublicationTest {
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
          },
          "jcstress",
          0,
          0);

  @Actor
  public void fsyncs() {
    sync.recorded(1, 1, 10);
    sync.recorded(1, 2, 20);
  }

  @Actor
  public void reader(JJ_Result r) {
    r.r1 = sync.durableIndex();
    r.r2 = sync.durableIndex();
  }
}
