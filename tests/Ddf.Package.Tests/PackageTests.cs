using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Ddf.Package.Tests;

/// <summary>
/// `dotnet pack` gives one Ddf.Compiler package; a fresh consumer project outside the solution that
/// references only it and TorchSharp's CPU backend builds, runs a [DynamicFilter] and a [DynamicFilterUp]
/// layer forward and backward, and its generated module matches the generator's snapshot.
/// </summary>
public class PackageTests
{
    private static readonly string RepoRoot = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    private static string Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        string all = output.Result + error.Result;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{all}");
        return all;
    }

    [Fact]
    public void A_fresh_consumer_of_the_package_builds_and_runs_its_layers()
    {
        // A version of its own, so the NuGet cache cannot hand back an older build of the package.
        string version = $"0.1.0-check.{DateTime.UtcNow:yyyyMMddHHmmss}";
        string root = Directory.CreateTempSubdirectory("ddf-package-").FullName, feed = Path.Combine(root, "feed"), consumer = Path.Combine(root, "consumer");
        string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "ddf.compiler", version);
        try
        {
            Run(RepoRoot, "pack", "src/Ddf.Compiler/Ddf.Compiler.csproj", "-c", "Release", "-o", feed, $"-p:Version={version}");
            Assert.True(File.Exists(Path.Combine(feed, $"Ddf.Compiler.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"Ddf.Compiler.{version}.snupkg")));

            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <configuration>
                  <packageSources>
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                    <SelfContained>false</SelfContained>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Ddf.Compiler" Version="{version}" />
                    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using Ddf;
                using static TorchSharp.torch;

                var layer = new Layer(8);
                var up = new Up(8);
                var x = randn(2, 8, 9, 20).requires_grad_(true);
                var y = up.forward(layer.forward(x));
                y.sum().backward();
                System.Console.WriteLine($"shape {string.Join("x", y.shape)} finite-grad {x.grad!.isfinite().all().item<bool>()} nonzero-grad {x.grad!.abs().sum().item<float>() > 0}");
                Ddf.onnx.export(up, [randn(1, 8, 6, 6)], "up.onnx");
                System.Console.WriteLine($"onnx written {new System.IO.FileInfo("up.onnx").Length > 0}");

                [DynamicFilter(KernelSize = 5)]
                partial class Layer;

                [DynamicFilterUp(ScaleFactor = 2)]
                partial class Up;
                """);

            string output = Run(consumer, "run", "-c", "Release");
            Assert.Contains("shape 2x8x18x40 finite-grad True nonzero-grad True", output);

            string generated = Directory.GetFiles(Path.Combine(consumer, "obj"), "Layer.Module.g.cs", SearchOption.AllDirectories).Single();
            string verified = File.ReadAllText(Path.Combine(RepoRoot, "tests/Ddf.Compiler.Tests/Snapshots/SnapshotTests.PackageConsumer#Layer.Module.g.verified.cs"));
            Assert.Equal(Normalise(verified.Substring(verified.IndexOf('\n') + 1)), Normalise(File.ReadAllText(generated)));
            Assert.Contains("onnx written True", output);
            string onnxWriter = Directory.GetFiles(Path.Combine(consumer, "obj"), "Layer.Onnx.g.cs", SearchOption.AllDirectories).Single();
            string onnxVerified = File.ReadAllText(Path.Combine(RepoRoot, "tests/Ddf.Compiler.Tests/Snapshots/SnapshotTests.PackageConsumer#Layer.Onnx.g.verified.cs"));
            Assert.Equal(Normalise(onnxVerified.Substring(onnxVerified.IndexOf('\n') + 1)), Normalise(File.ReadAllText(onnxWriter)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            if (Directory.Exists(cached))
                Directory.Delete(cached, recursive: true);
        }
    }

    /// <summary>LF line ends, no BOM, the generator's version as VERSION (as the generator's snapshots do).</summary>
    private static string Normalise(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text.TrimStart('\uFEFF').Replace("\r\n", "\n"), "\"Ddf.Compiler\", \"[^\"]+\"", "\"Ddf.Compiler\", \"VERSION\"").TrimEnd('\n');
}
