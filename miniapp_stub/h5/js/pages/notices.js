// Notices: the inbox, newest first; tapping one marks it read and opens its page.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";
import { session, refreshUnread } from "../session.js";
import { wx } from "../wx.js";

// Mini-program page paths of notice links → our routes.
const LINKS = [
  [/^\/?pages\/meals\/order\?id=(\d+)/, (id) => `/meals/order/${id}`],
  [/^\/?pages\/meals/, () => "/meals/orders"],
  [/^\/?pages\/meetings/, () => "/meetings/mine"],
  [/^\/?pages\/repairs\/ticket\?id=(\d+)/, (id) => `/repairs/${id}`],
  [/^\/?pages\/repairs/, () => "/repairs"],
  [/^\/?pages\/visitors\/pass\?id=(\d+)/, (id) => `/visitors/${id}`],
  [/^\/?pages\/visitors/, () => "/visitors"],
  [/^\/?pages\/canteen/, () => "/canteen"],
  [/^\/?pages\/admin/, () => "/admin"],
  [/^\/?pages\/assessment\/rectification\?id=(\d+)/, (id) => `/assessment/rectifications/${id}`],
];

export default {
  template: `
    <div>
      <div class="toolbar">
        <van-button size="small" plain type="primary" @click="subscribe">订阅消息提醒</van-button>
        <van-button size="small" plain :disabled="!unreadCount" @click="readAll">全部已读</van-button>
      </div>
      <van-empty v-if="loaded && !items.length" description="暂无通知" />
      <van-cell-group inset>
        <van-cell v-for="n in items" :key="n.id" :data-testid="'notice-' + n.id" is-link
                  :class="{ 'notice-unread': !n.read_at }" @click="open(n)">
          <template #title>
            <span class="notice-title"><i v-if="!n.read_at" class="dot"></i>{{ n.title }}</span>
          </template>
          <template #label><div class="notice-body">{{ n.body }}</div><div class="muted">{{ dateTime(n.created_at) }}</div></template>
        </van-cell>
      </van-cell-group>
      <div v-if="cursor" class="actions"><van-button block plain @click="more">加载更多</van-button></div>
    </div>`,
  setup() {
    const items = Vue.ref([]);
    const cursor = Vue.ref(null);
    const loaded = Vue.ref(false);
    const unreadCount = Vue.computed(() => items.value.filter((n) => !n.read_at).length);
    async function load(next) {
      const page = await api.get("/notifications", { limit: 30, cursor: next });
      items.value = next ? [...items.value, ...page.items] : page.items;
      cursor.value = page.next_cursor;
      loaded.value = true;
    }
    async function open(notice) {
      if (!notice.read_at) {
        Object.assign(notice, await api.post(`/notifications/${notice.id}/read`));
        refreshUnread();
      }
      for (const [pattern, to] of LINKS) {
        const found = pattern.exec(notice.link || "");
        if (found) return go(to(found[1]));
      }
    }
    async function readAll() {
      await api.post("/notifications/read-all");
      await load();
      session.unread = 0;
    }
    async function subscribe() {
      await wx.requestSubscribeMessage({});
    }
    Vue.onMounted(() => load());
    return { items, cursor, loaded, unreadCount, open, readAll, subscribe, more: () => load(cursor.value), dateTime };
  },
};
