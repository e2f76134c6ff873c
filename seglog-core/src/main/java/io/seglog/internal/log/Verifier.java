package io.seglog.internal.log;

import io.seglog.VerifyReport;
import io.seglog.internal.io.FileIO;
import java.nio.file.Path;

/** STUB: being written. */
public final class Verifier {
  public Verifier(FileIO io, Path directory) {}

  public VerifyReport verify() {
    throw new UnsupportedOperationException("not yet");
  }
}
