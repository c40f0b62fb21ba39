using System;
using System.Text;

namespace Ddf.Generators.Helpers;

/// <summary>
/// Builds generated source text with managed indentation: every line of a multi-line string is indented
/// to the current level, and blank lines carry no trailing spaces.
/// </summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder builder = new();

    public int Indentation { get; set; }

    public SourceWriter WriteLine(string text = "")
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length > 0)
                builder.Append(' ', Indentation * IndentSize).Append(line);
            builder.Append('\n');
        }
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any) and <c>{</c>, indents, and returns a scope that closes the block when disposed.</summary>
    public Block OpenBlock(string header)
    {
        if (header.Length > 0)
            WriteLine(header);
        WriteLine("{");
        Indentation++;
        return new Block(this);
    }

    public override string ToString() => builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly SourceWriter writer;

        public Block(SourceWriter writer) => this.writer = writer;

        public void Dispose()
        {
            writer.Indentation--;
            writer.WriteLine("}");
        }
    }
}
