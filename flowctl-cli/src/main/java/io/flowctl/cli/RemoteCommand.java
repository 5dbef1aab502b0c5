package io.flowctl.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command against a running control plane: where it writes ({@link #spec}) and how it reaches the
 * control plane ({@link Remote}'s options), declared once for every such command.
 */
abstract class RemoteCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Remote remote;
}
