package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Help is written for picocli's wrapping: each command's summary (what `legion --help` lists) is one whole
 * sentence, and each description entry is a whole paragraph, so no listing shows a line cut mid-sentence.
 */
class HelpTextTest {

    @Test
    void summariesAndParagraphsAreWholeSentences() {
        Deque<CommandLine> todo = new ArrayDeque<>(LegionCli.commandLine().getSubcommands().values());
        int checked = 0;
        java.util.List<String> problems = new java.util.ArrayList<>();
        while (!todo.isEmpty()) {
            CommandLine cl = todo.pop();
            todo.addAll(cl.getSubcommands().values());
            CommandSpec spec = cl.getCommandSpec();
            if (spec.name().equals("help")) {
                continue;
            }
            String[] summary = spec.usageMessage().header().length > 0 ? spec.usageMessage().header()
                    : spec.usageMessage().description();
            if (summary.length == 0 || !summary[0].strip().endsWith(".")) {
                problems.add(spec.qualifiedName() + " summary: " + (summary.length == 0 ? "none" : summary[0]));
            }
            for (String paragraph : spec.usageMessage().description()) {
                String p = paragraph.strip();
                if (!(p.isEmpty() || p.endsWith(".") || p.endsWith(":") || p.endsWith(")"))) {
                    problems.add(spec.qualifiedName() + " paragraph cut: " + paragraph);
                }
            }
            checked++;
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked >= 9, "commands checked: " + checked);
        assertEquals(true, LegionCli.commandLine().isUsageHelpAutoWidth());
    }
}
