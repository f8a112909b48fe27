/**
 * {@code legion serve}: an HTTP API and a web page over one shared analyzer ({@link ai.legion.serve.LegionServer}).
 */
package ai.legion.serve;
