package io.flowctl.server.schema;

class InMemorySchemaStoreTest extends SchemaStoreContract {
  @Override
  SchemaStore store() {
    return new InMemorySchemaStore();
  }

  @Override
  io.flowctl.server.runs.PipelineRunStore runStore() {
    return new io.flowctl.server.runs.InMemoryPipelineRunStore();
  }
}
