using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Ddf.Package.Tests;

/// <summary>
/// Users' snapshot tests from the packed packages: a fresh xunit project outside the solution that references only
/// Ddf.Testing (which brings Ddf.Compiler with all its assets) and xunit checks one layer twice, from source text (<c>DdfSnapshots.Verify</c>) and as
/// compiled into the test assembly (<c>Verify&lt;Layer&gt;</c>). In sequence: accepting creates the snapshots (the same
/// files as the generator's own snapshot of that declaration), they pass, accepting under CI=true is refused, and a
/// changed spec fails with the diff and <c>.received.cs</c> files. Part of <see cref="PackageTests"/> so the two packings
/// never run at once.
/// </summary>
public partial class PackageTests
{
    private const string SnapshotTest = """
        using Ddf;
        using Ddf.Testing;
        using Xunit;

        [DynamicFilter(KernelSize = 5)]
        partial class Layer;

        public class LayerSnapshotTests
        {
            [Fact]
            public void From_source() => DdfSnapshots.Verify("[Ddf.DynamicFilter(KernelSize = 5)]\npartial class Layer;\n", "Layer");

            [Fact]
            public void As_compiled() => DdfSnapshots.Verify<Layer>();
        }
        """;

    [Fact]
    public void A_fresh_test_project_snapshots_its_layers_with_the_packed_Ddf_Testing()
    {
        // The packages of the solution's pack (the class fixture): Ddf.Testing is one of them.
        string version = consumer.Version, feed = consumer.Feed;
        string root = Directory.CreateTempSubdirectory("ddf-testing-package-").FullName, project = Path.Combine(root, "project");
        try
        {
            using (var package = ZipFile.OpenRead(Path.Combine(feed, $"Ddf.Testing.{version}.nupkg")))
            {
                // The generator comes from the Ddf.Compiler package the test project builds with; Ddf.Testing ships no copy.
                using var nuspec = new StreamReader(package.GetEntry("Ddf.Testing.nuspec")!.Open());
                Assert.Contains($"<dependency id=\"Ddf.Compiler\" version=\"{version}\" include=\"All\" />", nuspec.ReadToEnd());
                Assert.DoesNotContain(package.Entries, e => e.Name.StartsWith("Ddf.Generators", StringComparison.Ordinal));
                Assert.Contains(package.Entries, e => e.FullName == "buildTransitive/Ddf.Testing.targets");
            }

            Directory.CreateDirectory(project);
            WriteNuGetConfig(project, feed);
            // Deterministic source paths, as CI builds often have: [CallerFilePath] is then /_/LayerSnapshotTests.cs.
            File.WriteAllText(Path.Combine(project, "Consumer.Tests.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <IsPackable>false</IsPackable>
                    <ContinuousIntegrationBuild>true</ContinuousIntegrationBuild>
                  </PropertyGroup>
                  <ItemGroup>
                    <!-- Ddf.Compiler (generator, build logic, libraries) comes with it. -->
                    <PackageReference Include="Ddf.Testing" Version="{version}" />
                    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                    <PackageReference Include="xunit" Version="2.9.3" />
                    <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                  </ItemGroup>
                </Project>
                """);
            string testFile = Path.Combine(project, "LayerSnapshotTests.cs"), snapshots = Path.Combine(project, "Snapshots");
            File.WriteAllText(testFile, SnapshotTest);
            string[] verified = ["Layer#Layer.Autograd.g.verified.cs", "Layer#Layer.Kernels.Cpu.g.verified.cs", "Layer#Layer.Kernels.Gpu.g.verified.cs", "Layer#Layer.Module.g.verified.cs", "Layer#Layer.Onnx.g.verified.cs"];

            // 1. Accept: the snapshots are written, the same files as the generator's own snapshot of this declaration.
            var (code, output) = RunTests(project, accept: "1", ci: null);
            Assert.True(code == 0, output);
            Assert.Equal(verified, Directory.GetFiles(snapshots).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
            foreach (var file in verified)
                Assert.Equal(File.ReadAllText(Path.Combine(RepoRoot, "tests/Ddf.Compiler.Tests/Snapshots/SnapshotTests.PackageConsumer" + file["Layer".Length..])),
                    File.ReadAllText(Path.Combine(snapshots, file)));

            // 2. Compare: they pass.
            (code, output) = RunTests(project, accept: null, ci: null, "--no-build");
            Assert.True(code == 0, output);

            // 3. Accepting under CI=true is refused.
            (code, output) = RunTests(project, accept: "1", ci: "true", "--no-build");
            Assert.True(code != 0, output);
            Assert.True(output.Contains("DDF_ACCEPT_SNAPSHOTS=1 is refused when CI=true", StringComparison.Ordinal), output);

            // 4. A spec change fails with the diff and writes the received files; the verified ones stay.
            File.WriteAllText(testFile, SnapshotTest.Replace("KernelSize = 5", "KernelSize = 7", StringComparison.Ordinal));
            (code, output) = RunTests(project, accept: null, ci: null);
            Assert.True(code != 0, output);
            Assert.True(output.Contains("Snapshot mismatch for Layer#Layer.Module.g.verified.cs", StringComparison.Ordinal), output);
            Assert.True(Regex.IsMatch(output, @"\n\s*- +public const int KernelSize = 5;"), output);
            Assert.True(Regex.IsMatch(output, @"\n\s*\+ +public const int KernelSize = 7;"), output);
            Assert.True(output.Contains("Run the tests with DDF_ACCEPT_SNAPSHOTS=1", StringComparison.Ordinal), output);
            Assert.Equal(5, Directory.GetFiles(snapshots, "*.received.cs").Length);
            Assert.Contains("public const int KernelSize = 5;", File.ReadAllText(Path.Combine(snapshots, "Layer#Layer.Module.g.verified.cs")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary><c>dotnet test</c> in <paramref name="directory"/> with the two snapshot variables as given (unset when null).</summary>
    private static (int ExitCode, string Output) RunTests(string directory, string? accept, string? ci, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("test");
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in new Dictionary<string, string?> { ["DDF_ACCEPT_SNAPSHOTS"] = accept, ["CI"] = ci })
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
