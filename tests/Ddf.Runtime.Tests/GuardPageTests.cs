using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Ddf.Runtime.Tests;

/// <summary>
/// Memory safety of the raw-pointer CPU kernels: each sweep runs in a child process with every buffer a kernel reads
/// or writes against a PROT_NONE guard page, after its end and then before its start. An out-of-bounds access faults
/// at the faulty instruction and ends the child; the test then fails with the case that was running and the fault's
/// stack trace. Stray writes into the rest of a guard's page and wrong or unwritten results fail it too.
/// </summary>
public class GuardPageTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ddf-float")]
    [InlineData("ddf-double")]
    [InlineData("filternorm")]
    public void Every_buffer_of_the_kernels_can_sit_against_a_guard_page_on_either_side(string sweep)
    {
        var run = Child.Run("sweep", sweep);
        output.WriteLine(run.Stdout);
        Assert.True(run.ExitCode == 0, run.Describe($"sweep {sweep}"));
    }

    [Theory]
    [InlineData("after")]
    [InlineData("before")]
    public void A_write_one_byte_outside_a_guarded_buffer_ends_the_process(string side)
    {
        var run = Child.Run("overrun", side);
        Assert.True(run.ExitCode != 0, run.Describe($"overrun {side}"));
        Assert.Contains("AccessViolationException", run.Stderr);
        Assert.DoesNotContain("did not fault", run.Stdout);
    }

    /// <summary>This assembly run as a program (<see cref="Program"/>) in a child process.</summary>
    private sealed record Child(int ExitCode, string Stdout, string Stderr, string LastCase)
    {
        public static Child Run(params string[] args)
        {
            string assembly = typeof(Program).Assembly.Location;
            string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(assembly);
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            // No crash dump for the faults the overrun test provokes.
            start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var tail = new Queue<string>();
            string lastCase = "(none)";
            for (string? line; (line = process.StandardError.ReadLine()) is not null;)
            {
                if (line.StartsWith("case ", StringComparison.Ordinal))
                {
                    lastCase = line;
                    continue;
                }
                tail.Enqueue(line);
                if (tail.Count > 60)
                    tail.Dequeue();
            }
            process.WaitForExit();
            return new Child(process.ExitCode, stdout.Result, string.Join("\n", tail), lastCase);
        }

        public string Describe(string what) =>
            $"{what}: exit code {ExitCode}\nlast case: {LastCase}\nstderr (tail):\n{Stderr}\nstdout:\n{Stdout}";
    }
}
