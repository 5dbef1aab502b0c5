package io.flowctl.server.schema;

class InMemorySchemaStoreTest extends SchemaStoreContract {
  @Override
  SchemaStore store() {
    return new InMemorySchemaStore();
  }
}
