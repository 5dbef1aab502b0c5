package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;

/**
 * The outcome of registering a schema.
 *
 * @param schema the version now holding the schema
 * @param alreadyRegistered true when an identical schema was registered before and nothing changed
 * @param policy the policy the registration was checked under
 */
public record Registration(
    RegisteredSchema schema, boolean alreadyRegistered, EvolutionPolicy policy) {}
