/**
 * Pipelines in upstream's file format, and running them: {@link
 * io.flowctl.server.pipeline.PipelineParser} reads and validates a file (every problem with its
 * position), {@link io.flowctl.server.pipeline.PipelineRunner} starts the components through a
 * {@link io.flowctl.server.pipeline.Launcher}, checks every link's schemas, moves the data the way
 * upstream's runner does and records the run.
 */
package io.flowctl.server.pipeline;
