/**
 * Where the control plane keeps what must outlive a process: {@link
 * io.flowctl.server.store.Stores}, one bundle of a schema store, a service store and a run store,
 * in memory, SQLite or PostgreSQL. The SQL stores share one connection pool and helper; the
 * interfaces live with the registries that use them.
 */
package io.flowctl.server.store;
