// What the duty station's pages share: the mode labels, the documents picker (images and
// PDF, uploaded at once), full-screen viewing of a person's documents, and the pages' own
// styles (kept here, so the station's look travels with its pages).
import { Vue } from "../vendor.js";
import { api } from "../api.js";

export const MODES = {
  appointment: ["预约办理", "primary"],
  walk_in: ["现场取号", "success"],
  errand: ["代办", "warning"],
};

export const CHECKIN_BEFORE_MS = 30 * 60_000; // check-in opens 30 min before the slot
export const CHECKIN_AFTER_MS = 15 * 60_000; // and closes 15 min after it started
export const NO_SHOW_AFTER_MS = 10 * 60_000; // 过号 only after 10 min called

/** Live states: the page refreshes itself while one of these may change on its own. */
export const LIVE = new Set(["booked", "waiting", "called", "serving"]);

const CSS = `
.van-button.tap { min-height: 44px; padding: 0 14px; }
.duty-card { margin: 12px; padding: 14px 16px; background: #fff; border-radius: 12px; }
.duty-card h3 { margin: 0 0 6px; font-size: 16px; display: flex; align-items: center; gap: 8px; }
.duty-card p { margin: 4px 0; font-size: 13px; color: rgba(0,0,0,.6); line-height: 1.6; }
.duty-card .van-button { min-height: 44px; margin-top: 8px; }
.duty-docs { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0; }
.duty-docs .van-tag { font-size: 12px; }
.duty-ticket { text-align: center; padding: 20px 12px; background: #fff; margin: 12px; border-radius: 12px; }
.duty-ticket .no { font-size: 48px; font-weight: 700; letter-spacing: 2px; color: #07c160; }
.duty-ticket .where { font-size: 18px; margin-top: 6px; }
.duty-ticket .muted { margin-top: 6px; }
.duty-days { display: flex; gap: 8px; overflow-x: auto; padding: 8px 12px; }
.duty-days .chip { flex-shrink: 0; min-height: 44px; }
.duty-slots { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; padding: 8px 12px; }
.duty-slots .van-button { min-height: 52px; padding: 0 4px; line-height: 1.3; }
.duty-slots .van-button small { display: block; font-size: 11px; }
.duty-files { display: flex; flex-direction: column; gap: 8px; padding: 0 12px; }
.duty-files label.pick { width: auto; height: 44px; display: flex; align-items: center; justify-content: center; }
.duty-reason { color: #fa9d3b; font-size: 13px; padding: 4px 16px; }
.duty-desk { padding: 12px; }
.duty-desk .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; background: #fff; border-radius: 12px; padding: 10px 12px; }
.duty-desk .bar .chip { min-width: 44px; min-height: 44px; }
.duty-desk .bar .grow { flex: 1; }
.duty-desk .bar .van-button { min-height: 44px; }
.duty-desk .bar .van-button.call { min-width: 200px; height: 52px; font-size: 18px; }
.duty-desk .cols { display: grid; grid-template-columns: 1fr; gap: 12px; margin-top: 12px; }
@media (min-width: 1024px) { .duty-desk .cols { grid-template-columns: 3fr 2fr; } }
.duty-desk .panel { background: #fff; border-radius: 12px; padding: 12px; min-width: 0; }
.duty-desk .panel h4 { margin: 0 0 8px; font-size: 15px; }
.duty-person { border: 1px solid #eee; border-radius: 10px; padding: 10px 12px; margin-bottom: 10px; }
.duty-person.mine { border-color: #07c160; }
.duty-person .head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.duty-person .no { font-size: 22px; font-weight: 700; }
.duty-person .ops { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.duty-person .ops .van-button { min-height: 44px; min-width: 72px; }
.duty-thumbs { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.duty-thumbs button { width: 64px; height: 64px; border: 1px solid #ddd; border-radius: 6px; padding: 0; background: #f7f7f7; overflow: hidden; font-size: 12px; cursor: pointer; }
.duty-thumbs img { width: 100%; height: 100%; object-fit: cover; }
.duty-queue-row { display: grid; grid-template-columns: 64px 1fr auto; gap: 8px; align-items: center; padding: 8px 4px; border-bottom: 1px solid #f2f2f2; font-size: 14px; min-height: 44px; }
.duty-queue-row .no { font-weight: 700; }
.duty-form .van-cell { min-height: 44px; }
.duty-table { width: 100%; border-collapse: collapse; font-size: 13px; table-layout: fixed; }
.duty-table th, .duty-table td { padding: 8px 4px; border-bottom: 1px solid #f2f2f2; text-align: center; overflow-wrap: anywhere; }
.duty-table th:first-child, .duty-table td:first-child { text-align: left; width: 26%; }
.duty-tv { position: fixed; inset: 0; z-index: 3000; background: #0b2545; color: #fff; display: flex; flex-direction: column; padding: 3vh 4vw; overflow: hidden;
  font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.duty-tv .tv-head { display: flex; justify-content: space-between; align-items: baseline; font-size: 4vh; font-weight: 600; }
.duty-tv .tv-clock { font-size: 3.5vh; opacity: .8; }
.duty-tv .tv-latest { margin: 4vh 0; background: #13315c; border-radius: 2vh; padding: 4vh; text-align: center; }
.duty-tv .tv-latest .no { font-size: 16vh; font-weight: 800; letter-spacing: 1vh; color: #ffd166; line-height: 1.1; }
.duty-tv .tv-latest .where { font-size: 7vh; margin-top: 1vh; }
.duty-tv .tv-list { display: grid; grid-template-columns: repeat(5, 1fr); gap: 2vh; }
.duty-tv .tv-list div { background: #13315c; border-radius: 1.5vh; padding: 2vh; text-align: center; font-size: 4.5vh; }
.duty-tv .tv-list small { display: block; font-size: 3vh; opacity: .8; }
.duty-tv .tv-foot { margin-top: auto; font-size: 5vh; display: flex; justify-content: space-between; align-items: baseline; }
.duty-tv .tv-foot b { color: #ffd166; font-size: 8vh; }
.duty-tv .tv-empty { font-size: 6vh; text-align: center; opacity: .8; margin: 10vh 0; }
.duty-tv .tv-stale { font-size: 3vh; color: #ff8f8f; }
`;

let styled = false;
/** The station's styles, added to the document once. */
export function useDutyStyles() {
  if (styled) return;
  styled = true;
  const style = document.createElement("style");
  style.dataset.owner = "duty";
  style.textContent = CSS;
  document.head.appendChild(style);
}

/** The documents a person hands in: images or PDF, each uploaded when picked. */
export const DocumentPicker = {
  props: { modelValue: { type: Array, default: () => [] }, max: { type: Number, default: 10 }, testid: { type: String, default: "duty-doc" } },
  emits: ["update:modelValue"],
  template: `
    <div class="duty-files">
      <div v-for="(d, i) in modelValue" :key="d.id" class="file-row" :data-testid="testid + '-item'">
        <span>{{ d.name }}</span>
        <button type="button" class="thumb-x" :aria-label="'删除 ' + d.name" @click="remove(i)">×</button>
      </div>
      <label v-if="modelValue.length < max" class="pick wide">
        <input type="file" accept="image/*,application/pdf" :data-testid="testid + '-input'" @change="picked" hidden>
        <van-loading v-if="busy" size="18" /> <span v-else>＋ 上传材料（图片或 PDF）</span>
      </label>
    </div>`,
  setup(props, { emit }) {
    const busy = Vue.ref(false);
    async function picked(event) {
      const file = event.target.files[0];
      event.target.value = "";
      if (!file) return;
      busy.value = true;
      try {
        const made = await api.upload(file);
        emit("update:modelValue", [...props.modelValue, { id: made.id, name: file.name }]);
      } catch (err) {
        // the toast shows the API's reason (type, size)
      } finally {
        busy.value = false;
      }
    }
    const remove = (index) => emit("update:modelValue", props.modelValue.filter((_, i) => i !== index));
    return { busy, picked, remove };
  },
};

/** A person's documents at the counter: image thumbnails open full-screen, a PDF downloads. */
export const DocumentThumbs = {
  props: { documents: { type: Array, default: () => [] }, owner: { type: Number, required: true } },
  template: `
    <div class="duty-thumbs">
      <button v-for="(d, i) in documents" :key="d.id" type="button" :data-testid="'desk-doc-' + d.id" @click="open(i)">
        <img v-if="urls[d.id]" :src="urls[d.id]" alt="材料">
        <span v-else>{{ d.content_type === "application/pdf" ? "PDF" : "…" }}</span>
      </button>
    </div>`,
  setup(props) {
    const urls = Vue.reactive({});
    Vue.watchEffect(() => {
      for (const d of props.documents) {
        if (d.content_type.startsWith("image/") && !(d.id in urls)) {
          urls[d.id] = "";
          api.imageUrl(d.url).then((u) => { urls[d.id] = u; }).catch(() => { delete urls[d.id]; });
        }
      }
    });
    function open(index) {
      const d = props.documents[index];
      if (!d.content_type.startsWith("image/")) {
        api.download(d.url.replace(/^\/api\/v1/, ""), `材料-${props.owner}-${d.id}.pdf`);
        return;
      }
      const images = props.documents.filter((x) => urls[x.id]);
      const start = Math.max(0, images.findIndex((x) => x.id === d.id));
      window.vant.showImagePreview({ images: images.map((x) => urls[x.id]), startPosition: start, closeable: true });
    }
    return { urls, open };
  },
};
