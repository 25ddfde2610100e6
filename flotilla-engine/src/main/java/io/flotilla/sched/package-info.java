/**
 * Continuous batching under a token budget, after vLLM v1's scheduler: no prefill and decode
 * phases, only "tokens still to compute" per request. Each step gives decoding sequences one
 * token, running prompts a chunk, then admits waiting requests by weighted fair queuing across
 * tenants; when the KV pool is full the lowest-priority running request is preempted (blocks
 * freed, recomputed later). {@link io.flotilla.sched.SchedulerOutput} is the plan handed to the
 * executor; {@link io.flotilla.sched.SchedulerStats} the numbers for metrics.
 */
package io.flotilla.sched;
