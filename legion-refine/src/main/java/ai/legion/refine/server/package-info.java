/**
 * Clients of real image-generation servers for the refinement loops: {@link
 * ai.legion.refine.server.Automatic1111Client} (AUTOMATIC1111 / Forge {@code --api}), {@link
 * ai.legion.refine.server.ComfyUiClient} (workflow templates, uploads, {@code /prompt}, history
 * polling, {@code /view}), {@link ai.legion.refine.server.OpenAiImagesClient} (OpenAI-compatible
 * {@code /v1/images/generations} and {@code /v1/images/edits}) and {@link
 * ai.legion.refine.server.OpenAiChatReviser} (an OpenAI-compatible chat model as prompt reviser).
 *
 * <p>All of them use {@link java.net.http.HttpClient} with a connect timeout, a deadline per attempt that
 * covers the whole response body, a deadline per call over all attempts, a response size cap and bounded
 * retries with exponential backoff ({@link ai.legion.refine.server.HttpOptions}): 5xx, 408, 429, I/O errors
 * and timeouts are retried, other 4xx and oversized responses are not. Failures are {@link
 * ai.legion.refine.GeneratorException}s naming the endpoint, the HTTP status and a truncated body
 * with credentials redacted; credentials are never logged.
 */
package ai.legion.refine.server;
