/** jqwik arbitraries and helpers for property tests of Arrow schemas, their evolutions and data. */
package io.flowctl.testing;
