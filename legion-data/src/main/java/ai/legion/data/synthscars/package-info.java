/** SynthScars, read as published: {@link ai.legion.data.synthscars.SynthScarsReader}. */
package ai.legion.data.synthscars;
