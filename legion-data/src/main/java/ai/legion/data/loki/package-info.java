/** LOKI's image explanation set ({@code open_ended_vqa.json}): {@link ai.legion.data.loki.LokiReader}. */
package ai.legion.data.loki;
