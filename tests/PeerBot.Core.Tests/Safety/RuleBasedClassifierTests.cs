using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class RuleBasedClassifierTests
{
    private readonly RuleBasedClassifier _classifier = new();

    [Theory]
    [InlineData("what's the point", "futility")]
    [InlineData("there's nothing we can do about any of it", "helplessness")]
    [InlineData("this place will never change", "permanence")]
    [InlineData("i've given up", "resignation")]
    [InlineData("WHATS THE POINT", "futility")]
    [InlineData("its hopless", "resignation")]
    [InlineData("whats the point?", "futility")]
    [InlineData("i don't think it'll ever get better", "permanence")]
    [InlineData("why bother lol", "futility")]
    public void Classify_FatalisticMessage_FlagsWithCategoryAndPhrase(string text, string category)
    {
        var a = _classifier.Classify(text);

        Assert.True(a.Fatalistic, string.Join("; ", a.Reasons));
        Assert.False(a.Crisis);
        Assert.InRange(a.Fatalism, 0.5, 1);
        Assert.Contains(a.Reasons, r => r.StartsWith(category + ": \"", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_Agreement_CarriesTheFatalismAndSaysItAgrees()
    {
        var a = _classifier.Classify("^ this. no point.");

        Assert.True(a.Fatalistic);
        Assert.Contains("futility: \"no point\"", a.Reasons);
        Assert.Contains(a.Reasons, r => r.StartsWith("agreement: \"^ this\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("I refuse to believe none of this can change", "negated")]
    [InlineData("it's not hopeless, it's just a hard month", "negated")]
    [InlineData("my attending keeps saying \"nothing will ever change\" and honestly that's garbage", "quoted to disagree")]
    [InlineData("back in intern year I was sure it was hopeless, and I was wrong", "overcome in the past")]
    [InlineData("does it ever get better? is it hopeless to ask for a lighter block?", "a genuine question")]
    [InlineData("the CT scanner is never going to be fixed", "about a task or equipment")]
    [InlineData("no point paging ortho before 7", "about a task or equipment")]
    [InlineData("i'm hopeless at central lines", "about a task or equipment")]
    public void Classify_HardNegative_NotFatalisticAndSaysWhy(string text, string why)
    {
        var a = _classifier.Classify(text);

        Assert.False(a.Fatalistic, string.Join("; ", a.Reasons));
        Assert.Contains(a.Reasons, r => r.Contains("(not counted: " + why, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("worst shift of my life, i'm exhausted and i hate everything")]
    [InlineData("the CT scanner is down every Sunday")]
    [InlineData("so angry and sad today")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("🙂🙂🙂")]
    [InlineData("admitted a homeless man with frostbite, noting the changes on his feet")]
    public void Classify_VentingOrNeutral_NothingFlagged(string text)
    {
        var a = _classifier.Classify(text);

        Assert.False(a.Fatalistic);
        Assert.False(a.Crisis);
    }

    [Theory]
    [InlineData("i want to die", "crisis, ideation")]
    [InlineData("honestly thinking about k1lling myself", "crisis, ideation")]
    [InlineData("i keep thinking about s*icide", "crisis, ideation")]
    [InlineData("i have enough pills saved up to do it", "crisis, plan or means")]
    [InlineData("i cut myself again last night", "crisis, self-harm")]
    [InlineData("this is goodbye everyone. thank you", "crisis, goodbye")]
    [InlineData("kms", "crisis, ideation")]
    [InlineData("kms lol", "crisis, ideation")]
    [InlineData("tired of living like this", "crisis, ideation")]
    [InlineData("i'm not going to kill myself, don't worry, just venting", "crisis, ideation")]
    [InlineData("i hurt myself again last night", "crisis, self-harm")]
    [InlineData("went to the gym to cope. then i hurt myself again after", "crisis, self-harm")]
    [InlineData("i hurt myself again, ran the code after and nobody noticed", "crisis, self-harm")]
    [InlineData("been having SI again this week", "crisis, ideation")]
    [InlineData("my si is back since nights started", "crisis, ideation")]
    [InlineData("passive si most nights tbh", "crisis, ideation")]
    [InlineData("the SI came back after the M&M", "crisis, ideation")]
    [InlineData("honestly i'm just a burden 2 everyone lately", "crisis, ideation")]
    [InlineData("i feel like such a burden on my family", "crisis, ideation")]
    [InlineData("nobody would actually miss me", "crisis, ideation")]
    [InlineData("it'd be easier for everyone if i just disappeared", "crisis, ideation")]
    [InlineData("i wouldn't even be missed tbh", "crisis, ideation")]
    [InlineData("the dark thoughts from intern year are back", "crisis, ideation")]
    [InlineData("i go home and burn my thighs with a lighter", "crisis, self-harm")]
    [InlineData("scratched my forearms till they bled", "crisis, self-harm")]
    [InlineData("back to the razor this week", "crisis, self-harm")]
    [InlineData("relapsed on self harm after 2 years", "crisis, self-harm")]
    [InlineData("it was nice knowing y'all. for real this time", "crisis, goodbye")]
    [InlineData("unalive arc starting", "crisis, ideation")]
    [InlineData("picking up every extra shift bc at home alone I start thinking about ending it", "crisis, ideation")]
    [InlineData("thought about ending it last night", "crisis, ideation")]
    [InlineData("thinking about taking the long nap", "crisis, ideation")]
    [InlineData("a dirt nap sounds kind of nice ngl", "crisis, ideation")]
    [InlineData("bye all. sorry for everything", "crisis, goodbye")]
    [InlineData("goodbye world", "crisis, goodbye")]
    [InlineData("take care of each other. sorry for everything", "crisis, goodbye")]
    [InlineData("wanted to say goodbye. i wont be around after friday", "crisis, goodbye")]
    public void Classify_CrisisTalk_Crisis(string text, string category)
    {
        var a = _classifier.Classify(text);

        Assert.True(a.Crisis, string.Join("; ", a.Reasons));
        Assert.Contains(a.Reasons, r => r.StartsWith(category + ": \"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("these notes are going to kill me")]
    [InlineData("dead on my feet")]
    [InlineData("my patient told me he'd been thinking of ending his life")]
    [InlineData("patient in bed 4 said \"i want to kill myself\" so psych is seeing him")]
    [InlineData("the family said she kept saying she wanted to die")]
    [InlineData("i want to die of embarrassment, i called the attending mom")]
    [InlineData("i'm not suicidal, just really tired")]
    [InlineData("goodbye everyone, see you after vacation!")]
    [InlineData("ok bye all")]
    [InlineData("off the grid till monday, take care of each other")]
    [InlineData("saying goodbye to my continuity clinic patients this week")]
    [InlineData("bye guys, pager's handed off")]
    [InlineData("third suicidal teen this week")]
    [InlineData("i hurt myself at the gym, pulled a hamstring")]
    [InlineData("ran 5 kms before shift")]
    [InlineData("pt has active SI with a plan, 1:1 sitter ordered")]
    [InlineData("she had passive si last year, none now, outpatient f/u")]
    [InlineData("si joint injection scheduled for my mom next week")]
    [InlineData("my si joint hurts after that 9 hour case")]
    [InlineData("the documentation burden on everyone is unreal")]
    [InlineData("caregiver burden is huge for her daughter")]
    [InlineData("burned my forearm on the autoclave door again")]
    [InlineData("sliced my thigh open on the bed rail, accidentally, it's fine")]
    [InlineData("nice knowing you all, see you after vacation")]
    [InlineData("pt burned her forearms with a lighter, psych consulted")]
    [InlineData("going to unalive this stack of prior auths with my bare hands")]
    [InlineData("taking a long nap after this shift, do not page me")]
    [InlineData("not thinking about ending it, just tired")]
    [InlineData("pt told me he keeps thinking about ending it, psych consulted")]
    public void Classify_IdiomOrClinicalOrNegated_NotCrisis(string text)
    {
        var a = _classifier.Classify(text);

        Assert.False(a.Crisis, string.Join("; ", a.Reasons));
    }

    [Fact]
    public void Classify_DiscountedCrisisPhrase_ExplainsWhy()
    {
        var a = _classifier.Classify("the family said she kept saying she wanted to die");

        Assert.Contains(a.Reasons, r => r.Contains("not counted: talk about someone else", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_ReportedWithoutDisagreement_WeighsHalf()
    {
        var a = _classifier.Classify("everyone says nothing will ever change");

        Assert.False(a.Fatalistic);
        Assert.Contains(a.Reasons, r => r.Contains("reported speech", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_Threshold_IsConfigurable()
    {
        var strict = new RuleBasedClassifier(new SafetyOptions { FatalismThreshold = 0.9 });

        Assert.True(_classifier.Classify("it's pointless").Fatalistic);
        Assert.False(strict.Classify("it's pointless").Fatalistic);
        Assert.True(strict.Classify("it's pointless, nothing will ever change, we can't do anything about it").Fatalistic);
    }

    [Fact]
    public void Classify_VeryLongMessage_HandledAndBounded()
    {
        var text = string.Concat(Enumerable.Repeat("long shift today and the pager went off again. ", 400)) + "what's the point";

        var a = _classifier.Classify(text);

        Assert.True(a.Fatalistic);
        Assert.All(a.Reasons, r => Assert.True(r.Length < 120));
    }

    [Fact]
    public void Classify_ConcurrentCalls_SameAnswers()
    {
        var texts = Corpus.Dev.Select(m => m.Text).ToArray();
        var expected = texts.Select(t => _classifier.Classify(t)).ToArray();

        Parallel.For(0, texts.Length * 4, i =>
        {
            var a = _classifier.Classify(texts[i % texts.Length]);
            var e = expected[i % texts.Length];
            Assert.Equal(e.Fatalistic, a.Fatalistic);
            Assert.Equal(e.Crisis, a.Crisis);
            Assert.Equal(e.Reasons, a.Reasons);
        });
    }
}
