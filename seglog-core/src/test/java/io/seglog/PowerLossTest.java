package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.FaultInjectionTest.Outcome;
import io.seglog.testing.FaultInjectingFileIO;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss at every operation of {@link FaultInjectionTest}'s workload: unlike a process crash,
 * it loses every write not fsynced and every file creation, rename and deletion whose directory was
 * not fsynced (see {@code DurabilityModel}). Then the log must reopen with at least every record it
 * had reported durable (every acknowledged one under ALWAYS; up to durableIndex, or everything
 * after a clean close, under NONE), an exact prefix of what was attempted, and take appends.
 */
class PowerLossTest {
  @TempDir static Path base;

  @TestFactory
  Stream<DynamicNode> powerLossAtEveryOperation() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (SyncPolicy policy : FaultInjectionTest.POLICIES) {
      long total = FaultInjectionTest.healthyRun(base, policy).totalOperations();
      List<DynamicTest> tests = new ArrayList<>();
      for (long i = 1; i <= total + 1; i++) {
        long nth = i;
        String name =
            policy
                + (nth > total
                    ? " power loss after a clean close"
                    : " power loss at operation " + nth);
        tests.add(
            DynamicTest.dynamicTest(
                name,
                () -> {
                  Path dir = FaultInjectionTest.newDir(base);
                  FaultInjectingFileIO io =
                      new FaultInjectingFileIO().trackDurability(dir).crashAtOperation(nth);
                  Outcome out = null;
                  try {
                    out = FaultInjectionTest.runWorkload(dir, policy, io, null, false);
                    io.powerLoss();
                    if (policy == SyncPolicy.ALWAYS) {
                      assertThat(out.durable).as("durable under ALWAYS").isEqualTo(out.acked);
                    }
                    FaultInjectionTest.reopenAndCheck(dir, policy, out, out.durable);
                  } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError(
                        name
                            + ": "
                            + out
                            + ", durable "
                            + (out == null ? "?" : out.durable)
                            + "\ninjected: "
                            + io.injectedFailures()
                            + "\n"
                            + e.getMessage(),
                        e);
                  }
                  FaultInjectionTest.deleteRecursively(dir);
                }));
      }
      nodes.add(DynamicContainer.dynamicContainer(policy + " (" + total + " operations)", tests));
    }
    return nodes.stream();
  }
}
