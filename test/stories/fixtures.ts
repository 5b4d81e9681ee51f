/**
 * Small own fixtures for the story tests: one wire story (a dam failure) and the documents that must join it
 * or stay apart from it. Paragraph arrays; `doc()` builds a StoryDoc.
 */
import type { StoryDoc } from '../../shared/stories/index.ts';

export const DAM: string[] = [
  'An earthen dam failed after days of heavy rain in northern Portugal on Tuesday, sending a wall of water through two villages and forcing about 1,200 people from their homes, officials said.',
  'The dam on the Rio Tamega near the town of Amarante gave way shortly before dawn, the national civil protection agency said. Footage on local television showed water pouring through a breach about 30 meters (100 feet) wide.',
  '"We heard a noise like thunder that did not stop," said Maria Fernandes, 64, who fled her house in the village of Gatão with her husband and grandson. "By the time we reached the road the water was at our knees."',
  'At least 14 people were treated in hospital for injuries and hypothermia, and three people were missing, regional health officials said. Rescue teams using boats and helicopters searched flooded fields through the morning.',
  'Prime Minister Luís Montenegro said the government would declare a state of calamity for the area and release emergency funds. He promised an inquiry into the condition of the dam, which was built in the 1950s.',
  'Engineers had inspected the structure last spring and recommended repairs to its spillway, according to documents seen by local newspaper Jornal do Tâmega. It was not clear whether the work had been carried out.',
  'The failure came after the wettest week in northern Portugal in more than two decades. Some areas received more than 200 millimeters (8 inches) of rain since Friday, the weather service said.',
  'Portugal has about 260 large dams, most of them used for irrigation and hydroelectric power. Dam failures are rare in Europe, but experts have warned that many older structures were not designed for the more intense rainfall that a warming climate brings.',
  'The European Union has a civil protection mechanism through which member states can request help in disasters. Spain said it was ready to send rescue teams if asked.',
  'Rail services between Porto and the interior were suspended because of flooding on the tracks, and several roads remained closed on Tuesday evening.',
];

/** Another agency's own report of the same dam failure (same facts and one shared quote, own wording). */
export const DAM_OTHER_AGENCY: string[] = [
  'Floodwaters from a collapsed dam swept through villages in northern Portugal early on Tuesday, injuring at least 14 people and leaving three missing, authorities said, as rescuers in boats combed submerged farmland.',
  'The structure near Amarante, east of Porto, burst before sunrise after nearly a week of torrential rain, according to the civil protection service, which said some 1,200 residents had been evacuated.',
  '"We heard a noise like thunder that did not stop," one resident, Maria Fernandes, told public broadcaster RTP.',
  'Prime Minister Luís Montenegro travelled to the area in the afternoon and said an investigation would establish why the decades-old dam had failed.',
  'Neighbouring Spain offered to send search teams. The Portuguese weather service forecast more rain for the north of the country on Wednesday and Thursday.',
];

/** A follow-up two days later that pastes the dam story's background paragraphs word for word. */
export const DAM_FOLLOW_UP: string[] = [
  'Portugal ordered emergency inspections of 40 older dams on Thursday, two days after a dam near Amarante collapsed and flooded two villages, as the bodies of two of the three missing people were recovered.',
  'Environment Minister Maria da Graça Carvalho said teams of engineers would examine every large dam built before 1970 within a month and that reservoirs behind any structure found to be at risk would be lowered.',
  'The search for the third missing person, a 72-year-old man, continued downstream on Thursday.',
  'Opposition parties demanded to know why repairs recommended after an inspection last year had not been made. The company that operates the dam said it would cooperate with investigators.',
  DAM[7]!,
  DAM[8]!,
];

/** An opinion column quoting two paragraphs of the wire story. */
export const DAM_OPINION: string[] = [
  'Every engineer who has worked on old dams knows the feeling: the inspection report is filed, the repairs are estimated, and then the budget meeting comes and goes.',
  'This week, in northern Portugal, the bill for that delay arrived. As the wire report put it:',
  DAM[0]!,
  DAM[5]!,
  'It would be comforting to treat this as a Portuguese problem. It is not. Across Europe and North America, thousands of dams built in the middle of the last century are reaching the end of their design lives just as storms are delivering more rain in shorter bursts.',
  'Governments like to cut ribbons on new infrastructure. Maintaining the old is less photogenic and far more urgent. The least we should expect is that inspection reports are published and that recommended repairs are tracked in public until they are done.',
  'Amarante will rebuild. The question is how many more villages will have to learn the same lesson.',
];

/** A short brief re-telling the story in new words. */
export const DAM_BRIEF: string[] = [
  'A dam near Amarante in northern Portugal collapsed before dawn on Tuesday after a week of record rain, flooding two villages. About 1,200 people were evacuated, 14 were hurt and three are missing. The government plans to declare a state of calamity and has ordered an inquiry into the 1950s structure.',
];

/** A different story of the same desk that ends with the same standard paragraph as DAM. */
export const RAIL_STORY: string[] = [
  'Portugal’s rail operator said on Monday it would buy 117 new regional trains over the next six years, the largest order in its history, as the government tries to get more people out of cars.',
  'The trains, worth about 820 million euros, will replace diesel units on lines in the north and the Alentejo region, CP - Comboios de Portugal said. The first are due to enter service in 2028.',
  'Transport Minister Miguel Pinto Luz said the purchase would cut journey times and emissions. "For decades we let the railway decline. That is over," he said.',
  'Unions welcomed the order but said the operator also needed to hire more drivers and maintenance staff.',
  DAM[9]!,
];

/** An unrelated story. */
export const UNRELATED: string[] = [
  'A rare white humpback whale has been spotted off the coast of New South Wales for the third winter in a row, delighting whale watchers and prompting calls for boats to keep their distance.',
  'The whale, nicknamed Migaloo Junior by locals, was seen swimming north past Byron Bay on Saturday with a group of four other humpbacks, according to the Australian whale research group Pod Watch.',
  'Authorities said vessels must stay at least 500 meters (1,640 feet) from the animal, and drones at least 300 meters, under rules designed to protect it from harassment.',
  'Humpback numbers along Australia’s east coast have recovered strongly since commercial whaling ended in the 1960s, with more than 40,000 now thought to migrate each year.',
];

/** Joins paragraphs with blank lines. */
export const text = (ps: string[]): string => ps.join('\n\n');

/** A StoryDoc from paragraphs. */
export function doc(id: string, ps: string[] | string, extra: Partial<StoryDoc> = {}): StoryDoc {
  return {
    id,
    url: `https://news.example/${id}`,
    outlet: 'Example Outlet',
    title: 'Dam fails in northern Portugal',
    text: Array.isArray(ps) ? text(ps) : ps,
    publishedAt: '2026-11-03T07:00:00Z',
    ...extra,
  };
}
