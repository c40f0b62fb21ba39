using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace Ddf.Runtime.Tests;

/// <summary>
/// Memory safety of the raw-pointer CPU kernels: each sweep runs in a child process with every buffer a kernel reads
/// or writes against a PROT_NONE guard page, after its end and then before its start. An out-of-bounds access faults
/// at the faulty instruction and ends the child; the test then fails with the case that was running and the fault's
/// stack trace. Stray writes into the rest of a guard's page and wrong or unwritten results fail it too. One class per
/// sweep, so xunit runs the child processes side by side.
/// </summary>
public abstract class GuardPageSweep(ITestOutputHelper output, string sweep, int vectorBits)
{
    [Fact]
    public void Every_buffer_of_the_kernels_can_sit_against_a_guard_page_on_either_side()
    {
        // 512: Vector<T> widened to 16 floats (DOTNET_MaxVectorTBitWidth), which moves every vector path's threshold;
        // only where the CPU runs 512-bit vectors.
        if (vectorBits == 512 && !Vector512.IsHardwareAccelerated)
        {
            output.WriteLine("512-bit vectors are not hardware accelerated here: nothing to run.");
            return;
        }
        var run = GuardPageTests.Child.Run(vectorBits == 0 ? [] : [("DOTNET_MaxVectorTBitWidth", vectorBits.ToString(CultureInfo.InvariantCulture))], "sweep", sweep);
        output.WriteLine(run.Stdout);
        Assert.True(run.ExitCode == 0, run.Describe($"sweep {sweep}"));
        if (vectorBits != 0)
            Assert.Contains($"vector width {vectorBits / 32}", run.Stdout);
    }
}

/// <summary>The DDF kernels in float32 at this machine's vector width.</summary>
public sealed class DdfFloat32GuardPages(ITestOutputHelper output) : GuardPageSweep(output, "ddf-float", 0);

/// <summary>The DDF kernels in float64 at this machine's vector width.</summary>
public sealed class DdfFloat64GuardPages(ITestOutputHelper output) : GuardPageSweep(output, "ddf-double", 0);

/// <summary>The DDF kernels in float32 with 512-bit Vector&lt;T&gt; (16 lanes), where the CPU has them.</summary>
public sealed class DdfFloat32WideVectorGuardPages(ITestOutputHelper output) : GuardPageSweep(output, "ddf-float", 512);

/// <summary>FilterNormKernels in float32 and float64.</summary>
public sealed class FilterNormGuardPages(ITestOutputHelper output) : GuardPageSweep(output, "filternorm", 0);

/// <summary>The guard itself: an access just outside a guarded buffer must end the process.</summary>
public class GuardPageTests
{
    [Theory]
    [InlineData("after")]
    [InlineData("before")]
    public void A_write_one_byte_outside_a_guarded_buffer_ends_the_process(string side)
    {
        var run = Child.Run([], "overrun", side);
        Assert.True(run.ExitCode != 0, run.Describe($"overrun {side}"));
        Assert.Contains("AccessViolationException", run.Stderr);
        Assert.DoesNotContain("did not fault", run.Stdout);
    }

    /// <summary>This assembly run as a program (<see cref="Program"/>) in a child process.</summary>
    internal sealed record Child(int ExitCode, string Stdout, string Stderr, string LastCase)
    {
        public static Child Run((string Name, string Value)[] environment, params string[] args)
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
            foreach (var (name, value) in environment)
                start.Environment[name] = value;
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
