namespace PeerBot.Core.Safety;

/// <summary>What a phrase is evidence of.</summary>
internal enum Cue : byte
{
    // Fatalism categories.
    Futility,
    Helplessness,
    Permanence,
    Resignation,

    // Crisis categories.
    Ideation,
    PlanOrMeans,
    SelfHarm,
    Goodbye,

    // Context markers.
    Negator,
    Disagree,
    Report,
    Past,
    UsedTo,
    Overcome,
    GenuineQuestion,
    Agreement,
    NotCrisis,
    Accident,
}

/// <summary>How a phrase reacts to its context.</summary>
[Flags]
internal enum PatternFlags : byte
{
    None = 0,

    /// <summary>Still fatalistic as a question ("what's the point?").</summary>
    Rhetorical = 1,

    /// <summary>"hopeless at art lines" is about a skill.</summary>
    SkillAt = 2,

    /// <summary>"no point paging ortho" is about a task when a task verb follows.</summary>
    TaskObject = 4,

    /// <summary>"stuck in traffic" is about a place.</summary>
    Place = 8,

    /// <summary>A crisis phrase also used as an idiom ("rather die than…lol", "want to die of embarrassment").</summary>
    IdiomProne = 16,

    /// <summary>A crisis phrase with no first-person word in it, so its subject must be checked (a patient, a family member).</summary>
    SubjectCheck = 32,

    /// <summary>"hurt myself" at the gym is an accident; "kms" after a number is a distance.</summary>
    Accident = 64,
}

/// <summary>One element of a compiled phrase: a set of word ids, optional or not, or a gap of a few words.</summary>
internal readonly struct Element(int[] ids, bool optional, int gap)
{
    public readonly int[] Ids = ids;
    public readonly bool Optional = optional;
    public readonly int Gap = gap;

    public bool Has(int id)
    {
        foreach (var candidate in Ids)
        {
            if (candidate == id)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A compiled phrase of the lexicon.</summary>
internal sealed class Pattern(Cue cue, double weight, PatternFlags flags, Element[] elements, string source)
{
    public Cue Cue { get; } = cue;
    public double Weight { get; } = weight;
    public PatternFlags Flags { get; } = flags;
    public Element[] Elements { get; } = elements;
    public string Source { get; } = source;
    public bool IsFatalism => Cue <= Cue.Resignation;
    public bool IsCrisis => Cue is >= Cue.Ideation and <= Cue.Goodbye;
}

/// <summary>
/// The phrases the safety engine looks for, with their categories and weights, and the word classes
/// the context rules use. Everything a decision rests on is here, in plain words, so a reviewer can
/// read why a message was or was not flagged. Pattern syntax: words separated by spaces;
/// <c>a|b</c> alternatives; a trailing <c>?</c> makes an element optional; <c>*</c> skips up to two
/// words and <c>**</c> up to four (never across a sentence end).
/// </summary>
internal static class Lexicon
{
    private static readonly (Cue Cue, double Weight, string Flags, string Pattern)[] Phrases =
    [
        // ---- Futility: nothing we do has any effect or purpose.
        (Cue.Futility, 0.8, "R", "whats|wats|what is? even? the point"),
        (Cue.Futility, 0.7, "R", "whats|what is? the use"),
        (Cue.Futility, 0.75, "T", "no point"),
        (Cue.Futility, 0.75, "TS", "pointless"),
        (Cue.Futility, 0.6, "TS", "useless"),
        (Cue.Futility, 0.6, "S", "meaningless"),
        (Cue.Futility, 0.75, "", "futile"),
        (Cue.Futility, 0.75, "", "all for nothing"),
        (Cue.Futility, 0.75, "R", "why do|would|should? we|i|you? even? bother|bothering"),
        (Cue.Futility, 0.8, "", "nothing we|i|you|they|anyone do|say|did|does|try|said ** matters|matter|mattered|counts|helps"),
        (Cue.Futility, 0.8, "", "nothing ** makes|make|made a|any? difference"),
        (Cue.Futility, 0.7, "", "makes|make|made no difference"),
        (Cue.Futility, 0.8, "", "nothing matters"),
        (Cue.Futility, 0.75, "", "none of it|this|that|these * matters|matter|helps|counts"),
        (Cue.Permanence, 0.75, "", "none of it|this|that * change|changes|improve|improves"),
        (Cue.Futility, 0.65, "", "doesnt|dont matter what|how"),
        (Cue.Futility, 0.5, "", "no matter what|how we|i|you * do|try|say|work"),
        (Cue.Futility, 0.35, "", "wont|doesnt|never|dont|didnt help|work"),
        (Cue.Futility, 0.6, "T", "waste of time|breath|energy"),
        (Cue.Futility, 0.55, "", "nobody|noone * cares|care|listens|listen|reads"),
        (Cue.Futility, 0.55, "", "no one * cares|care|listens|listen|reads"),
        (Cue.Futility, 0.6, "", "deaf ears"),
        (Cue.Futility, 0.6, "", "black hole"),
        (Cue.Futility, 0.55, "", "nothing will|ever? happen|happens"),
        (Cue.Futility, 0.75, "", "nothing ** ever happens|happen"),
        (Cue.Futility, 0.6, "", "nothing ever comes|came of"),
        (Cue.Futility, 0.6, "", "the void"),
        (Cue.Futility, 0.6, "", "to a brick? wall"),
        (Cue.Futility, 0.55, "", "go|goes|went|going|gets|getting nowhere"),
        (Cue.Futility, 0.6, "", "ever go|goes|went anywhere"),
        (Cue.Futility, 0.6, "", "not getting anywhere"),
        (Cue.Futility, 0.6, "", "doesnt|dont|never|wont move the needle"),
        (Cue.Futility, 0.6, "", "needle doesnt|never|wont move"),
        (Cue.Futility, 0.7, "", "changes|changed|change absolutely|literally? nothing"),
        (Cue.Futility, 0.55, "", "nothing * gets|get through"),
        (Cue.Futility, 0.55, "", "in one ear"),
        (Cue.Futility, 0.5, "", "lip service"),

        // ---- Helplessness: nothing can be done, no control.
        (Cue.Helplessness, 0.75, "", "nothing we|i|you|anyone|anybody|they|one can|could do"),
        (Cue.Helplessness, 0.75, "", "nothing to be done"),
        (Cue.Helplessness, 0.7, "", "cant|cannot change|fix anything|nothing|it|this|that|a|any"),
        (Cue.Helplessness, 0.7, "", "cant|cannot do anything|nothing about"),
        (Cue.Helplessness, 0.5, "", "cant|cannot escape"),
        (Cue.Helplessness, 0.7, "", "no way out"),
        (Cue.Helplessness, 0.7, "", "powerless"),
        (Cue.Helplessness, 0.6, "", "helpless"),
        (Cue.Helplessness, 0.6, "", "no|zero power|control|say"),
        (Cue.Helplessness, 0.6, "", "dont|never|doesnt get|have any? say|control|power"),
        (Cue.Helplessness, 0.6, "", "out of our|my hands|control"),
        (Cue.Helplessness, 0.55, "P", "stuck"),
        (Cue.Helplessness, 0.6, "P", "trapped"),
        (Cue.Helplessness, 0.55, "", "cogs|cog"),
        (Cue.Helplessness, 0.6, "", "nobody|noone * going|gonna to? help|listen|fix|change"),
        (Cue.Helplessness, 0.6, "", "no one * going|gonna to? help|listen|fix|change"),
        (Cue.Helplessness, 0.7, "", "no one|nobody can|could fix|change|help"),
        (Cue.Helplessness, 0.7, "", "no fixing"),
        (Cue.Helplessness, 0.7, "", "voice|voices|opinion|opinions dont|doesnt|never count|matter"),
        (Cue.Helplessness, 0.6, "", "at the mercy of"),
        (Cue.Helplessness, 0.6, "", "no|zero leverage|voice"),
        (Cue.Helplessness, 0.6, "", "dont|never|doesnt have a voice"),
        (Cue.Helplessness, 0.65, "", "hands are tied"),
        (Cue.Helplessness, 0.65, "", "no fighting"),
        (Cue.Helplessness, 0.6, "", "cant fight it|this|them"),
        (Cue.Helplessness, 0.75, "", "not a thing * can|could do"),
        (Cue.Helplessness, 0.75, "", "nothing ** can|could do"),
        (Cue.Helplessness, 0.5, "", "along for the ride"),
        (Cue.Helplessness, 0.45, "", "no choice"),

        // ---- Permanence: it will always be like this.
        (Cue.Permanence, 0.8, "", "never going|gonna to? get|be? any? better|easier|different|change|improve|end|stop|fixed"),
        (Cue.Permanence, 0.75, "", "will|itll|theyll|ill|would|wll never * get|be? better|easier|change|improve|end|listen|stop"),
        (Cue.Permanence, 0.75, "", "not going|gonna to? get|be any? better|easier"),
        (Cue.Permanence, 0.7, "", "wont ever? get|be? any? better|easier|improve|change"),
        (Cue.Permanence, 0.8, "", "nothing ** change|changes|changing|improve|improves"),
        (Cue.Permanence, 0.7, "", "things|it|this never change|changes|improve"),
        (Cue.Permanence, 0.55, "", "never change|changes|changing"),
        (Cue.Permanence, 0.75, "", "always be|going|gonna ** like this"),
        (Cue.Permanence, 0.75, "", "always be|going|gonna ** this way"),
        (Cue.Permanence, 0.7, "", "always be|going|gonna ** the same"),
        (Cue.Permanence, 0.7, "", "always be|going|gonna ** this bad"),
        (Cue.Permanence, 0.7, "", "will|itll|wll always be"),
        (Cue.Permanence, 0.65, "", "this|miserable|stuck|broken|same|way|be|stay forever"),
        (Cue.Permanence, 0.7, "", "only going|gonna? to? get|gets worse"),
        (Cue.Permanence, 0.75, "", "no light at the end"),
        (Cue.Permanence, 0.7, "", "no end in sight"),
        (Cue.Permanence, 0.6, "", "never fixed|fix|fixes"),
        (Cue.Permanence, 0.55, "", "never listen|listens|listened"),
        (Cue.Permanence, 0.75, "", "never gets|get|getting better|easier"),
        (Cue.Permanence, 0.7, "", "every year ** this bad"),
        (Cue.Permanence, 0.6, "", "every year ** the same"),
        (Cue.Permanence, 0.55, "", "get used to it"),
        (Cue.Permanence, 0.7, "", "dont|cant think|see|imagine ** ever ** change|better|improve"),
        (Cue.Permanence, 0.5, "", "stop hoping"),
        (Cue.Permanence, 0.55, "", "always been like this|that"),
        (Cue.Permanence, 0.55, "", "always been this way"),
        (Cue.Permanence, 0.7, "", "always will"),
        (Cue.Permanence, 0.75, "", "isnt|wont|not ever going|gonna to? change|improve|shift|get"),
        (Cue.Permanence, 0.75, "", "never going|gonna to? shift|budge"),
        (Cue.Permanence, 0.55, "", "still be this"),
        (Cue.Permanence, 0.65, "", "dont|never expect anything|things ** different|change|better"),
        (Cue.Permanence, 0.55, "", "be this way for"),
        (Cue.Permanence, 0.5, "", "just as miserable|bad|broken|awful"),
        (Cue.Permanence, 0.7, "", "dont|doesnt get|gets better|easier"),
        (Cue.Permanence, 0.4, "", "get|getting numb"),

        // ---- Resignation: giving up, no hope.
        (Cue.Resignation, 0.75, "", "give|given|gave|giving up"),
        (Cue.Resignation, 0.75, "", "stopped|stop|quit caring|trying|fighting|expecting|hoping"),
        (Cue.Resignation, 0.7, "", "dont|doesnt even? care anymore"),
        (Cue.Resignation, 0.7, "", "done trying|fighting"),
        (Cue.Resignation, 0.75, "S", "hopeless"),
        (Cue.Resignation, 0.75, "", "no hope"),
        (Cue.Resignation, 0.75, "", "lost all? hope"),
        (Cue.Resignation, 0.45, "", "accept|accepted it|that|this"),
        (Cue.Resignation, 0.65, "", "this is our|my life now"),
        (Cue.Resignation, 0.65, "", "resigned to"),
        (Cue.Resignation, 0.55, "", "whatever happens happens"),
        (Cue.Resignation, 0.5, "", "keep|keeping your|my|our head|heads down"),
        (Cue.Resignation, 0.5, "", "nothing else to do"),
        (Cue.Resignation, 0.45, "", "just surviving|survive till|until"),
        (Cue.Resignation, 0.7, "R", "why should|would|do? i|we|you? even? try"),
        (Cue.Resignation, 0.6, "", "cant do this anymore"),
        (Cue.Resignation, 0.6, "", "checked out"),
        (Cue.Resignation, 0.7, "", "past caring"),
        (Cue.Resignation, 0.6, "", "through the motions"),
        (Cue.Resignation, 0.45, "", "counting down the days"),
        (Cue.Resignation, 0.6, "", "not even trying"),
        (Cue.Resignation, 0.55, "", "it is what it is"),
        (Cue.Resignation, 0.45, "", "nothing left"),

        // ---- Crisis: ideation.
        (Cue.Ideation, 0.9, "I", "want|wanted|wish to die"),
        (Cue.Ideation, 0.9, "I", "wanna die"),
        (Cue.Ideation, 0.9, "", "want|wanted|wanna to? be dead"),
        (Cue.Ideation, 0.9, "", "wish i|id ** dead|die|died"),
        (Cue.Ideation, 0.85, "", "rather be dead"),
        (Cue.Ideation, 0.6, "I", "rather die"),
        (Cue.Ideation, 0.9, "", "better off dead"),
        (Cue.Ideation, 0.9, "", "better off without me"),
        (Cue.Ideation, 0.9, "", "better off if i ** dead|gone|here|around|alive"),
        (Cue.Ideation, 0.9, "", "dont|not|longer want|wanna to? live|exist"),
        (Cue.Ideation, 0.95, "", "dont|not|longer want|wanna to? be alive"),
        (Cue.Ideation, 0.85, "", "dont|not want|wanna to? be here anymore"),
        (Cue.Ideation, 0.95, "", "kill|killing|kil myself"),
        (Cue.Ideation, 0.85, "A", "kms"),
        // "SI", the clinical abbreviation residents use of their own suicidal ideation; about a patient ("pt has active
        // SI") the subject check discounts it.
        (Cue.Ideation, 0.85, "", "having|had|have|getting|got passive|active? si"),
        (Cue.Ideation, 0.8, "", "passive|active si"),
        (Cue.Ideation, 0.85, "", "si ** back|again|worse"),
        (Cue.Ideation, 0.8, "", "tired of living|existing"),
        (Cue.Ideation, 0.8, "", "tired of being alive"),
        (Cue.Ideation, 0.95, "", "end|ending|ended|take|taking my own? life"),
        (Cue.Ideation, 0.9, "", "end|ending it all"),
        (Cue.Ideation, 0.8, "", "want|wanna|wanted to? end it"),
        (Cue.Ideation, 0.8, "", "want|wanted it all to end|stop"),
        (Cue.Ideation, 0.9, "", "unalive|unaliving myself"),
        // Slang for suicide said without "myself" ("unalive arc starting", "ctb"; "unalive this stack of prior auths" is
        // an idiom), and sleep as death ("the long nap", "dirt nap"; "a long nap after this shift" is ordinary).
        (Cue.Ideation, 0.7, "", "unalive|unaliving arc|era|thoughts|mode|hours|vibes|plan|plans"),
        (Cue.Ideation, 0.7, "", "thinking|thought|thoughts about|of unalive|unaliving"),
        (Cue.Ideation, 0.7, "A", "ctb"),
        (Cue.Ideation, 0.7, "", "the long|eternal|permanent|forever nap|sleep"),
        (Cue.Ideation, 0.7, "", "dirt nap"),
        (Cue.Ideation, 0.7, "", "dirtnap"),
        (Cue.Ideation, 0.85, "", "sewer slide"),
        (Cue.Ideation, 0.85, "", "sewerslide"),
        (Cue.Ideation, 0.85, "", "suicidal"),
        (Cue.Ideation, 0.9, "", "think|thinking|thought|thoughts|considering|considered|contemplating about|of? suicide|dying|sewerslide"),
        (Cue.Ideation, 0.9, "", "thoughts of|about killing|ending"),
        // The same thought said as a verb ("at home alone I start thinking about ending it"); a patient's words are
        // discounted by the subject check, as the phrase has no first-person word.
        (Cue.Ideation, 0.8, "", "thinking|think|thought|considering|contemplating about|of ending it"),
        (Cue.Ideation, 0.6, "", "thinking|thought about|of jumping"),
        (Cue.Ideation, 0.85, "", "wish|hope|hoping ** not|never|dont|didnt|wouldnt|wont wake up"),
        (Cue.Ideation, 0.9, "", "no reason to live|keep|go|be"),
        (Cue.Ideation, 0.6, "", "disappear forever"),
        (Cue.Ideation, 0.5, "", "never come back"),
        (Cue.Ideation, 0.6, "", "im|i am a burden"),
        // Being a burden, said of oneself ("im just a burden 2 everyone", "i feel like such a burden"): a crisis level of
        // its own. Workload, documentation and a patient's caregivers are burdens without a first person before them.
        (Cue.Ideation, 0.7, "", "im|am|become|becoming just|such|only|mostly? a burden"),
        (Cue.Ideation, 0.7, "", "feel|feeling|felt|feels like just|such|only? a burden"),
        (Cue.Ideation, 0.8, "", "happier|easier|lighter without me"),
        (Cue.Ideation, 0.85, "", "easier|better for everyone|everybody|them|all|you ** if i ** gone|dead|wasnt|werent|disappeared|vanished|died"),
        (Cue.Ideation, 0.85, "", "notice if i ** gone|dead|disappeared|died|wasnt|werent"),
        (Cue.Ideation, 0.8, "", "nobody|noone|nobodyd would|wouldnt|will * miss me"),
        (Cue.Ideation, 0.8, "", "no one would|wouldnt|will * miss me"),
        (Cue.Ideation, 0.8, "", "nobody|noone * notice|care|mind if i ** gone|dead|disappeared|died|wasnt|werent"),
        (Cue.Ideation, 0.8, "", "i|id wouldnt|wont even? be missed"),
        (Cue.Ideation, 0.8, "", "i|id would|will not even? be missed"),
        // An old darkness come back ("the dark stuff from intern year is back"), hedged or not: the taxonomy flags it.
        (Cue.Ideation, 0.6, "", "dark thoughts|stuff|place|thinking ** back|again|returning|creeping"),
        (Cue.Ideation, 0.8, "", "and not|never wake up"),
        (Cue.Ideation, 0.85, "", "dont|not|longer want|wanna to? wake up"),
        (Cue.Ideation, 0.85, "", "point in|of living|existing"),
        (Cue.Ideation, 0.85, "", "point in|of being alive"),
        (Cue.Ideation, 0.7, "", "sleep and not|never"),
        (Cue.Ideation, 0.7, "", "sleep forever"),
        (Cue.Ideation, 0.7, "", "cant go on"),

        // ---- Crisis: plan or means.
        (Cue.PlanOrMeans, 0.9, "", "stockpiling|stockpiled|stockpile|hoarding|saving|saved * pills|meds|medication|medications|insulin|potassium"),
        (Cue.PlanOrMeans, 0.85, "", "enough pills|meds|insulin|potassium|tylenol|opioids"),
        (Cue.PlanOrMeans, 0.85, "", "how much|many pills|meds|insulin|potassium|tylenol|fentanyl|morphine * would|it * take|enough"),
        (Cue.PlanOrMeans, 0.85, "", "how much|many it|they would take"),
        (Cue.PlanOrMeans, 0.85, "", "how much|many of my"),
        (Cue.PlanOrMeans, 0.8, "", "researching|researched|looked|looking|googled|googling ** lethal|overdose"),
        (Cue.PlanOrMeans, 0.4, "", "have|got a plan"),
        (Cue.PlanOrMeans, 0.4, "", "the means"),
        (Cue.PlanOrMeans, 0.85, "", "know exactly? how i|id|im ** do it"),
        (Cue.PlanOrMeans, 0.85, "", "jump|jumping|jumped off|from"),
        (Cue.PlanOrMeans, 0.85, "", "step|stepping|walk|walking|throw|throwing myself? in front of"),
        (Cue.PlanOrMeans, 0.8, "", "driving|drive|drove|crash|crashing my car into|off"),
        (Cue.PlanOrMeans, 0.7, "", "bought|buy|got a rope|gun"),
        (Cue.PlanOrMeans, 0.95, "", "hang|hanging myself"),
        (Cue.PlanOrMeans, 0.85, "", "take|took|swallow all my|the pills|meds"),
        (Cue.PlanOrMeans, 0.8, "", "overdose|od on"),
        (Cue.PlanOrMeans, 0.85, "", "pills lined up"),
        (Cue.PlanOrMeans, 0.7, "", "have the pills"),
        (Cue.PlanOrMeans, 0.85, "", "wrote|writing|write a|my goodbye|suicide note|letter"),

        // ---- Crisis: self-harm.
        (Cue.SelfHarm, 0.85, "", "cut|cutting|cuts myself|again"),
        (Cue.SelfHarm, 0.85, "A", "cut|cutting my arms|arm|wrists|wrist|legs|thighs|skin"),
        (Cue.SelfHarm, 0.85, "", "relapsed * cut|cutting"),
        (Cue.SelfHarm, 0.7, "", "been|started cutting"),
        (Cue.SelfHarm, 0.85, "A", "hurt|hurting|hurts myself"),
        (Cue.SelfHarm, 0.85, "", "harm|harming myself"),
        (Cue.SelfHarm, 0.8, "", "hit|hitting|punch|punching myself"),
        (Cue.SelfHarm, 0.85, "", "burn|burned|burnt|burning myself"),
        (Cue.SelfHarm, 0.85, "A", "burn|burned|burnt|burning my arm|arms|skin|wrist|leg"),
        (Cue.SelfHarm, 0.85, "A", "burn|burned|burnt|burning|scratch|scratched|scratching|carve|carved|carving|cut|cutting|slice|sliced|slicing my thigh|thighs|legs|wrists|forearm|forearms|stomach|hip|hips|skin"),
        (Cue.SelfHarm, 0.8, "A", "burn|burned|burnt|burning|burns myself|my ** lighter|lighters|cigarette|cigarettes|cig"),
        (Cue.SelfHarm, 0.75, "", "back to the|my? cutting|scratching|razor|razors|blade|blades"),
        (Cue.SelfHarm, 0.75, "", "the|my razor|blade|blades again"),
        (Cue.SelfHarm, 0.8, "", "started|been|relapsed|resumed|restarted cutting|scratching|carving"),
        (Cue.SelfHarm, 0.8, "", "self harm urges|urge|again|relapse|relapsed"),
        (Cue.SelfHarm, 0.8, "", "selfharm urges|urge|again|relapse|relapsed"),
        (Cue.SelfHarm, 0.8, "", "relapsed|relapse|relapsing on? self harm|harming"),
        (Cue.SelfHarm, 0.75, "", "my self harm"),
        (Cue.SelfHarm, 0.75, "", "my selfharm"),
        (Cue.SelfHarm, 0.8, "", "self harming|harmed"),

        // ---- Crisis: goodbye.
        (Cue.Goodbye, 0.7, "", "goodbye everyone|all|guys|yall|friends|world"),
        (Cue.Goodbye, 0.7, "", "bye world"),
        // "bye all" is how a chat is left every evening: alone it is not crisis (below 0.5), beside another cue it is.
        (Cue.Goodbye, 0.45, "", "bye everyone|all|guys|yall|friends"),
        (Cue.Goodbye, 0.85, "", "this is goodbye"),
        (Cue.Goodbye, 0.85, "", "this is my goodbye"),
        // A rotation, a patient or a program is said goodbye to, and a group is told to take care before a holiday: alone
        // these are not crisis (below 0.5), beside another cue they are.
        (Cue.Goodbye, 0.45, "", "say|saying goodbye"),
        (Cue.Goodbye, 0.4, "", "before i go"),
        (Cue.Goodbye, 0.4, "", "made up my mind"),
        (Cue.Goodbye, 0.8, "", "wont be around|here * after|tomorrow|anymore|much"),
        (Cue.Goodbye, 0.6, "", "last message"),
        (Cue.Goodbye, 0.85, "", "last * hear from me"),
        (Cue.Goodbye, 0.45, "", "take care of each other|yourselves"),
        (Cue.Goodbye, 0.6, "", "sorry for everything"),
        (Cue.Goodbye, 0.8, "", "wont have to ** me"),
        (Cue.Goodbye, 0.85, "", "gave|given|giving away my stuff|things|belongings|cat|dog"),
        (Cue.Goodbye, 0.35, "", "thank|thanks you? for everything"),
        (Cue.Goodbye, 0.3, "", "love you all"),
        (Cue.Goodbye, 0.3, "", "im sorry"),
        (Cue.Goodbye, 0.35, "", "thank you for trying"),
        (Cue.Goodbye, 0.7, "", "tell my ** i love"),
        (Cue.Goodbye, 0.75, "", "letter|letters|note|notes to my family|mom|dad|parents|wife|husband|kids|partner"),
        (Cue.Goodbye, 0.75, "", "written|wrote|writing letters"),
        (Cue.Goodbye, 0.6, "", "and goodbye"),
        (Cue.Goodbye, 0.6, "I", "nice|good|great knowing you|yall|ya|everyone|all|u"),

        // ---- Context: negation with a scope (may overlap the phrase it negates).
        (Cue.Negator, 0, "", "refuse|refusing|refused to"),
        (Cue.Negator, 0, "", "dont|cant|wont|never|not believe|buy|accept|agree|think"),
        (Cue.Negator, 0, "", "disagree"),
        (Cue.Negator, 0, "", "not true"),
        (Cue.Negator, 0, "", "who says"),
        (Cue.Negator, 0, "", "stop saying"),
        (Cue.Negator, 0, "", "dont tell me"),
        (Cue.Negator, 0, "", "not|never going|gonna to"),
        (Cue.Negator, 0, "", "no way"),
        (Cue.Negator, 0, "", "i doubt"),
        (Cue.Negator, 0, "", "almost|nearly"),

        // ---- Context: disagreement anywhere in the message.
        (Cue.Disagree, 0, "", "disagree"),
        (Cue.Disagree, 0, "", "wrong"),
        (Cue.Disagree, 0, "", "not|isnt|wasnt true"),
        (Cue.Disagree, 0, "", "untrue"),
        (Cue.Disagree, 0, "", "garbage|nonsense|bs|bullshit|myth|lie"),
        (Cue.Disagree, 0, "", "dont buy"),
        (Cue.Disagree, 0, "", "the point is"),
        (Cue.Disagree, 0, "", "worst advice"),
        (Cue.Disagree, 0, "", "proved * wrong"),
        (Cue.Disagree, 0, "", "dont|do not agree"),
        (Cue.Disagree, 0, "", "proof|prove|proves|proved"),
        (Cue.Disagree, 0, "", "it|they|we can"),

        // ---- Context: reported speech.
        (Cue.Report, 0, "", "says|said|saying|told|tells"),
        (Cue.Report, 0, "", "people|everyone|they|some say"),
        (Cue.Report, 0, "", "act|acts|acting like"),

        // ---- Context: the past, and having come through it.
        (Cue.UsedTo, 0, "", "used to think|believe|feel|say"),
        (Cue.Past, 0, "", "back in|then|when"),
        (Cue.Past, 0, "", "when i was|started"),
        (Cue.Past, 0, "", "last year|month|spring|winter|summer|fall|block"),
        (Cue.Past, 0, "", "ago"),
        (Cue.Past, 0, "", "in pgy1|intern|first"),
        (Cue.Past, 0, "", "i thought|believed|remember|felt"),
        (Cue.Past, 0, "", "i was sure|convinced|certain"),
        (Cue.Past, 0, "", "felt like"),
        (Cue.Past, 0, "", "would have said|thought"),
        (Cue.Past, 0, "", "at the time"),
        (Cue.Past, 0, "", "as a|an intern|pgy1|junior|student"),
        (Cue.Overcome, 0, "", "was|were wrong"),
        (Cue.Overcome, 0, "", "but it did"),
        (Cue.Overcome, 0, "", "it did change"),
        (Cue.Overcome, 0, "", "turned|turns out"),
        (Cue.Overcome, 0, "", "got|gotten|get ** better|easier"),
        (Cue.Overcome, 0, "", "not|no anymore|longer"),
        (Cue.Overcome, 0, "", "now i|im|we|it"),
        (Cue.Overcome, 0, "", "differently|different now"),
        (Cue.Overcome, 0, "", "so different"),
        (Cue.Overcome, 0, "", "glad i didnt|stayed|stuck"),
        (Cue.Overcome, 0, "", "listened"),
        (Cue.Overcome, 0, "", "it wasnt"),
        (Cue.Overcome, 0, "", "actually happened"),
        (Cue.Overcome, 0, "", "pushed|got|made it through"),
        (Cue.Overcome, 0, "", "love it now"),

        // ---- Context: a genuine question, asked for an answer.
        (Cue.GenuineQuestion, 0, "", "genuinely|seriously asking"),
        (Cue.GenuineQuestion, 0, "", "genuine|honest|serious question"),
        (Cue.GenuineQuestion, 0, "", "asking for real"),
        (Cue.GenuineQuestion, 0, "", "am i missing something"),
        (Cue.GenuineQuestion, 0, "", "just curious"),

        // ---- Context: agreement with what came before ("^ this").
        (Cue.Agreement, 0, "", "^"),
        (Cue.Agreement, 0, "", "+1"),
        (Cue.Agreement, 0, "", "same|exactly|agreed|agree|yep|yup|ya|yeah|this|100|true|truth"),
        (Cue.Agreement, 0, "", "so true"),

        // ---- Context: a farewell that is not one.
        (Cue.NotCrisis, 0, "", "see you|ya|yall"),
        (Cue.NotCrisis, 0, "", "cya|ttyl|vacation|conference|interview|postcall"),
        (Cue.NotCrisis, 0, "", "visit|visiting|rotation|graduation|graduating|block"),
        (Cue.NotCrisis, 0, "", "post call"),
        (Cue.NotCrisis, 0, "", "day off"),

        // ---- Context: an accident or a sport, not self-harm.
        (Cue.Accident, 0, "", "stove|oven|autoclave|cooking|kitchen|onions|onion|bagel|accidentally|iron|curling|cautery|bovie|scalpel|suture|splash|spilled|coffee|tea|sunburn|sunburnt|beach"),
        (Cue.Accident, 0, "", "gym|lifting|skiing|climbing|hiking|workout|soccer|basketball|football|tennis|yoga|tripped|slipped|marathon|biking|cycling|deadlift|squats"),
    ];

    /// <summary>Builds the vocabulary and compiles the phrases.</summary>
    public static (Vocabulary Vocabulary, Pattern[] Patterns) Build()
    {
        var vocabulary = new Vocabulary();
        AddWordClasses(vocabulary);
        AddAliases(vocabulary);
        var patterns = Phrases.Select(p => Compile(vocabulary, p.Cue, p.Weight, p.Flags, p.Pattern)).ToArray();
        vocabulary.SetFuzzyTargets(
        [
            "hopeless", "pointless", "powerless", "helpless", "useless", "meaningless", "suicide", "suicidal",
            "killing", "overdose", "difference", "anymore", "forever", "goodbye", "stockpiling", "unalive", "myself",
            "sewerslide",
        ]);

        // Real words one edit away from a fuzzy target are known as themselves, so "homeless" never reads as "hopeless".
        foreach (var word in (string[])["homeless", "overdone", "hopeful", "helpers", "killings", "suicides", "goodbyes"])
        {
            vocabulary.Intern(word);
        }
        return (vocabulary, patterns);
    }

    private static void AddWordClasses(Vocabulary v)
    {
        v.Classify(WordClass.FirstPerson, "i", "im", "ive", "id", "me", "my", "myself", "mine");
        v.Classify(WordClass.ThirdPerson,
            "he", "she", "hes", "shes", "him", "his", "her", "hers", "himself", "herself", "they", "them", "their", "theyre",
            "theyd", "theyve", "themselves", "who", "someone", "somebody");
        v.Classify(WordClass.ThirdPerson | WordClass.ClinicalNoun,
            "patient", "patients", "pt", "pts", "teen", "teens", "teenager", "teenagers", "kid", "kids", "child", "boy", "girl", "guy",
            "man", "woman", "lady", "mom", "dad", "wife", "husband", "son", "daughter", "brother", "sister", "friend", "family",
            "families", "consult", "admission", "nurse", "triage", "psych");
        v.Classify(WordClass.TaskNoun,
            "scanner", "ct", "mri", "xray", "printer", "printers", "pager", "pagers", "epic", "cerner", "ehr", "emr", "wifi",
            "internet", "elevator", "elevators", "machine", "machines", "vending", "fax", "badge", "computer", "computers",
            "workstation", "workstations", "lab", "labs", "pharmacy", "cafeteria", "coffee", "microwave", "phone", "phones",
            "parking", "garage", "pain", "app", "apps", "software", "portal", "paging", "bed", "beds", "patient", "patients", "pt", "ortho", "radiology", "order", "orders", "printer");
        v.Classify(WordClass.TaskGerund,
            "paging", "calling", "ordering", "charting", "consulting", "rounding", "waiting", "checking", "rechecking",
            "repeating", "sending", "printing", "faxing", "scanning", "booking", "drawing");
        v.Classify(WordClass.Laugh, "lol", "lmao", "haha", "hahaha", "jk", "lmfao", "rofl");
        v.Classify(WordClass.BareNegator, "not", "isnt", "arent", "aint", "wasnt", "never", "dont", "doesnt", "didnt", "wont", "cant", "nah");
        v.Classify(WordClass.Place, "in", "at", "on", "behind", "with", "inside", "between");
        v.Classify(WordClass.At, "at");
        v.Classify(WordClass.Preposition, "about", "with", "for");
        v.Classify(WordClass.Of, "of", "from");
        v.Classify(WordClass.IdiomEmotion, "embarrassment", "boredom", "laughing", "laughter", "shame", "cringe", "cuteness", "excitement");
    }

    private static void AddAliases(Vocabulary v)
    {
        v.Alias("wut", "whats");
        v.Alias("wuts", "whats");
        v.Alias("whatss", "whats");
        v.Alias("nothin", "nothing");
        v.Alias("nuthin", "nothing");
        v.Alias("nothings", "nothing");
        v.Alias("nobodys", "nobody");
        v.Alias("cannot", "cant");
        v.Alias("dnt", "dont");
        v.Alias("doesn", "doesnt");
        v.Alias("theirs", "theres");
        v.Alias("gunna", "gonna");
        v.Alias("goin", "going");
        v.Alias("nvr", "never");
        v.Alias("u", "you");
        v.Alias("ppl", "people");
        v.Alias("every1", "everyone");
        v.Alias("evry", "every");
        v.Alias("anymor", "anymore");
        v.Alias("n", "and");
        v.Alias("k1ll", "kill");
        v.Alias("kil", "kill");
        v.Alias("suicde", "suicide");
        v.Alias("sucide", "suicide");
        v.Alias("suiside", "suicide");
        v.Alias("sucidal", "suicidal");
        v.Alias("suicidle", "suicidal");
        v.Alias("unalived", "unalive");
    }

    private static Pattern Compile(Vocabulary vocabulary, Cue cue, double weight, string flagLetters, string source)
    {
        var flags = PatternFlags.None;
        foreach (var letter in flagLetters)
        {
            flags |= letter switch
            {
                'R' => PatternFlags.Rhetorical,
                'S' => PatternFlags.SkillAt,
                'T' => PatternFlags.TaskObject,
                'P' => PatternFlags.Place,
                'I' => PatternFlags.IdiomProne,
                'A' => PatternFlags.Accident,
                _ => throw new InvalidOperationException($"Unknown pattern flag '{letter}' in \"{source}\"."),
            };
        }

        var elements = new List<Element>();
        var firstPerson = false;
        foreach (var part in source.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "*" or "**")
            {
                elements.Add(new Element([], false, part.Length * 2));
                continue;
            }

            var optional = part.EndsWith('?');
            var words = (optional ? part[..^1] : part).Split('|');
            var ids = words.Select(vocabulary.Intern).ToArray();
            firstPerson |= ids.Any(id => (vocabulary.ClassOf(id) & WordClass.FirstPerson) != 0);
            elements.Add(new Element(ids, optional, 0));
        }

        if (elements.Count == 0 || elements[0].Gap > 0 || elements[0].Optional || elements[^1].Gap > 0)
        {
            throw new InvalidOperationException($"A phrase must start with a required word and not end with a gap: \"{source}\".");
        }

        if (cue is >= Cue.Ideation and <= Cue.Goodbye && !firstPerson)
        {
            flags |= PatternFlags.SubjectCheck;
        }

        return new Pattern(cue, weight, flags, elements.ToArray(), source);
    }
}
