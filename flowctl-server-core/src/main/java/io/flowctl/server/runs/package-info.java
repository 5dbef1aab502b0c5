/**
 * Pipeline runs as the control plane records them: {@link io.flowctl.server.runs.PipelineRuns} over
 * a {@link io.flowctl.server.runs.PipelineRunStore}, with per-principal budgets.
 */
package io.flowctl.server.runs;
